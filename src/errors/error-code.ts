import { ERROR_REGISTRY, type ErrorCode } from './registry.js';

/** What a caller of any layer needs to know about a failure: its registered code and whether repeating may help. */
export interface ErrorOutcome {
  readonly code: ErrorCode;
  readonly retryable: boolean;
}

const STORAGE_OUTAGE_KINDS: ReadonlySet<unknown> = new Set(['transient', 'permanent']);

function isRegistered(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_REGISTRY, code);
}

/**
 * The one mapping from an error to a code and a retry decision, shared by the agent
 * (task and call results) and the CLI (messages and exit status). It reads the error
 * and then its `cause` chain, outermost first:
 *  - an error with a registered `code` (CbsError, the engine's RepoError, the agent's
 *    DriverError) has that code; its own boolean `retryable`, when it has one, wins
 *    over the registry's default (a permanent bucket failure is BUCKET_UNAVAILABLE but
 *    not retryable);
 *  - a storage failure (`name` 'StorageError' of kind transient or permanent) that
 *    nothing above classified is BUCKET_UNAVAILABLE, retryable when transient;
 *  - anything else is INTERNAL.
 * Layers below errors/ are read by shape, not imported: this module imports nothing.
 */
export function errorOutcome(e: unknown): ErrorOutcome {
  for (let c: unknown = e, depth = 0; c !== null && typeof c === 'object' && depth < 8; c = (c as { cause?: unknown }).cause, depth++) {
    const o = c as { code?: unknown; retryable?: unknown; name?: unknown; kind?: unknown };
    if (isRegistered(o.code)) {
      return { code: o.code, retryable: typeof o.retryable === 'boolean' ? o.retryable : ERROR_REGISTRY[o.code].retryable };
    }
    if (o.name === 'StorageError' && STORAGE_OUTAGE_KINDS.has(o.kind)) {
      return { code: 'BUCKET_UNAVAILABLE', retryable: o.kind === 'transient' };
    }
  }
  return { code: 'INTERNAL', retryable: ERROR_REGISTRY.INTERNAL.retryable };
}
