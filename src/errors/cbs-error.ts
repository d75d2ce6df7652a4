import { ERROR_REGISTRY, type ErrorCode } from './registry.js';

/** HTTP reason phrases for the statuses the registry uses. */
const REASON: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 409: 'Conflict', 413: 'Payload Too Large',
  415: 'Unsupported Media Type', 431: 'Request Header Fields Too Large',
  500: 'Internal Server Error', 503: 'Service Unavailable',
};

export function reasonPhrase(status: number): string {
  return REASON[status] ?? 'Error';
}

/**
 * An error with a registered code. `message` is safe to show to a caller: it never
 * holds SQL text, stack traces or secrets. `details` carries structured fields (for
 * example the offending field of a validation error).
 */
export class CbsError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, opts: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CbsError';
    this.code = code;
    this.details = opts.details;
  }

  get status(): number { return ERROR_REGISTRY[this.code].status; }
  get retryable(): boolean { return ERROR_REGISTRY[this.code].retryable; }

  /** The one error body every HTTP response uses. */
  toBody(): ErrorBody {
    return { statusCode: this.status, error: reasonPhrase(this.status), code: this.code, message: this.message };
  }
}

export interface ErrorBody {
  statusCode: number;
  error: string;
  code: ErrorCode;
  message: string;
}

export function isCbsError(e: unknown): e is CbsError {
  return e instanceof CbsError;
}
