import { StorageError, type StorageErrorKind } from '../backend.js';

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

const NOT_FOUND_NAMES = new Set(['NoSuchKey', 'NotFound', 'NoSuchVersion']);
const TRANSIENT_NAMES = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'ThrottledException',
  'RequestThrottled', 'RequestThrottledException', 'TooManyRequestsException', 'RequestLimitExceeded',
  'RequestTimeout', 'RequestTimeoutException', 'InternalError', 'ServiceUnavailable', 'TimeoutError',
  'IncompleteBody', 'BandwidthLimitExceeded', 'PriorRequestNotComplete', 'OperationAborted']);
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE',
  'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EAI_AGAIN', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET']);

const HINTS: Record<string, string> = {
  InvalidAccessKeyId: 'the access key id is not known to the store',
  SignatureDoesNotMatch: 'the secret key does not match the access key id',
  AccessDenied: 'the credentials are not allowed to do this',
  NoSuchBucket: 'the bucket does not exist',
  PermanentRedirect: 'the bucket is in another region; set the region',
  AuthorizationHeaderMalformed: 'the region or credentials are malformed',
  ExpiredToken: 'the session token has expired',
  InvalidToken: 'the session token is invalid',
  CredentialsProviderError: 'no credentials found (static keys, environment, or shared profile)',
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host name not found',
  TimeoutError: 'timed out',
};

const HINTS_BY_STATUS: Record<number, string> = {
  301: 'the bucket is in another region or needs another endpoint; set the region',
  400: 'the store rejected the request',
  403: 'access denied: wrong access key or secret key, or the credentials lack permission',
  404: 'not found',
};

/** The network error code of an SDK error or of one it wraps. */
function netCode(e: unknown): string | undefined {
  for (let c: unknown = e, depth = 0; c !== null && typeof c === 'object' && depth < 5; c = (c as { cause?: unknown }).cause, depth++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z_]+$|^UND_ERR/.test(code)) return code;
    const errors = (c as { errors?: unknown }).errors;
    if (Array.isArray(errors)) for (const inner of errors) { const ic = netCode(inner); if (ic !== undefined) return ic; }
  }
  return undefined;
}

export function s3ErrorName(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null ? (e as SdkErrorShape).name : undefined;
}

export function s3Status(e: unknown): number | undefined {
  return typeof e === 'object' && e !== null ? (e as SdkErrorShape).$metadata?.httpStatusCode : undefined;
}

/**
 * Maps an SDK or network failure to a StorageError. Messages name the operation, the
 * store's error name and HTTP status, and a hint; every occurrence of `secret` is
 * masked, so a signature error can never carry the key into a log.
 */
export function mapS3Error(e: unknown, what: string, key: string | undefined, endpoint: string, secret?: string): StorageError {
  if (e instanceof StorageError) return e;
  const name = s3ErrorName(e) ?? 'Error';
  const status = s3Status(e);
  const code = netCode(e);
  const kind = classify(name, status, code);
  const hint = HINTS[name] ?? (code !== undefined ? HINTS[code] : undefined) ?? (status !== undefined ? HINTS_BY_STATUS[status] : undefined);
  let raw = typeof e === 'object' && e !== null && typeof (e as SdkErrorShape).message === 'string' ? (e as SdkErrorShape).message! : String(e);
  // Bodiless answers (HEAD) leave the SDK nothing but 'UnknownError'.
  if (raw === 'UnknownError' || raw === name) raw = '';
  const text = [hint, raw].filter((x) => x !== undefined && x !== '').join(': ') || name;
  let msg = `${what} at ${endpoint} failed: ${text}`
    + ` (${[name === 'Error' ? undefined : name, code, status === undefined ? undefined : `HTTP ${status}`].filter((x) => x !== undefined && x !== '').join(', ')})`;
  if (secret !== undefined && secret.length > 0) msg = msg.split(secret).join('***');
  return new StorageError(kind, msg, { key, cause: e });
}

function classify(name: string, status: number | undefined, code: string | undefined): StorageErrorKind {
  if (name === 'NoSuchBucket') return 'permanent';
  if (NOT_FOUND_NAMES.has(name)) return 'not-found';
  if (name === 'InvalidRange' || status === 416) return 'invalid-range';
  if (TRANSIENT_NAMES.has(name)) return 'transient';
  if (code !== undefined && TRANSIENT_CODES.has(code)) return 'transient';
  if (status === 404) return 'not-found';
  if (status === 429 || (status !== undefined && status >= 500)) return 'transient';
  if (status === undefined && code === undefined && /abort|socket|network|timeout/i.test(name)) return 'transient';
  return 'permanent';
}
