/**
 * The one registry of error codes. Every error that crosses a boundary (HTTP, CLI,
 * agent protocol) carries one of these codes; its HTTP status and whether a caller may
 * retry come from here and nowhere else. docs/errors.md lists the same table and a
 * test keeps the two equal.
 */
export interface ErrorSpec {
  readonly status: number;
  readonly retryable: boolean;
  readonly description: string;
}

export const ERROR_REGISTRY = {
  // 400 — malformed input
  VALIDATION_FAILED: { status: 400, retryable: false, description: 'A parameter, query field, header or body field is malformed; the message names it.' },
  INVALID_CURSOR: { status: 400, retryable: false, description: 'The `cursor` query parameter was not produced by this server.' },
  // 401 — authentication
  AUTH_MISSING: { status: 401, retryable: false, description: 'No `authorization: Bearer <token>` header was sent.' },
  AUTH_INVALID: { status: 401, retryable: false, description: 'The bearer token is malformed or its signature does not verify.' },
  AUTH_EXPIRED: { status: 401, retryable: false, description: 'The bearer token has expired.' },
  AUTH_NO_EXPIRY: { status: 401, retryable: false, description: 'The bearer token has no expiry (`exp` claim); every token must expire.' },
  AUTH_LIFETIME_TOO_LONG: { status: 401, retryable: false, description: 'The bearer token lives longer than the maximum token lifetime (CBS_TOKEN_MAX_TTL).' },
  AUTH_REVOKED: { status: 401, retryable: false, description: 'The bearer token has been revoked (`cbs token revoke`).' },
  // 403 — authorization
  ACCOUNT_FORBIDDEN: { status: 403, retryable: false, description: 'The token does not grant access to this account.' },
  AGENT_FORBIDDEN: { status: 403, retryable: false, description: 'The `x-agent-id` header names no agent of this account (a missing header is VALIDATION_FAILED).' },
  ROLE_FORBIDDEN: { status: 403, retryable: false, description: 'The token\'s role does not allow this operation.' },
  // 404 — unknown (or other account's) resource
  ROUTE_NOT_FOUND: { status: 404, retryable: false, description: 'No such route.' },
  ACCOUNT_NOT_FOUND: { status: 404, retryable: false, description: 'No such account.' },
  JOB_NOT_FOUND: { status: 404, retryable: false, description: 'No job with this id in this account.' },
  TASK_NOT_FOUND: { status: 404, retryable: false, description: 'No task with this id.' },
  WORKING_ENVIRONMENT_NOT_FOUND: { status: 404, retryable: false, description: 'No working environment with this id in this account.' },
  VOLUME_NOT_FOUND: { status: 404, retryable: false, description: 'No volume with this id in this working environment.' },
  SNAPSHOT_NOT_FOUND: { status: 404, retryable: false, description: 'No backup with this id of this volume.' },
  // 405 / 409 / 413 / 415
  METHOD_NOT_ALLOWED: { status: 405, retryable: false, description: 'The route exists but not with this method.' },
  CONFLICT: { status: 409, retryable: false, description: 'The request conflicts with the current state of the resource.' },
  LEASE_LOST: { status: 409, retryable: false, description: 'The task lease expired or belongs to another agent; the task result is not accepted.' },
  PAYLOAD_TOO_LARGE: { status: 413, retryable: false, description: 'The request body exceeds the size limit.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retryable: false, description: 'The request body is not `application/json`.' },
  HEADERS_TOO_LARGE: { status: 431, retryable: false, description: 'The request headers exceed the size limit.' },
  // Engine (repository) errors: what `cbs repo` prints and agents report in task errors.
  REPO_INTEGRITY: { status: 500, retryable: false, description: 'A repository object failed authentication or its hash, or an object the index promises is absent: the repository is damaged; the message names it. Never raised for a store that does not answer (that is BUCKET_UNAVAILABLE).' },
  REPO_WRONG_KEY: { status: 403, retryable: false, description: 'The passphrase, key-encryption key or key export does not open this repository.' },
  REPO_FORMAT: { status: 500, retryable: false, description: 'A repository object is not in a format this version understands.' },
  REPO_EXISTS: { status: 409, retryable: false, description: 'A repository already exists at this location.' },
  REPO_NOT_FOUND: { status: 404, retryable: false, description: 'No repository at this location.' },
  REPO_LOCKED: { status: 409, retryable: true, description: 'Another operation holds a conflicting lock on the repository.' },
  REPO_SNAPSHOT_NOT_FOUND: { status: 404, retryable: false, description: 'No snapshot with this id (or prefix) in the repository.' },
  REPO_PATH_NOT_FOUND: { status: 404, retryable: false, description: 'No such path in the snapshot.' },
  REPO_UNSAFE_PATH: { status: 400, retryable: false, description: 'A name or a symlink on the way would lead a restore outside its target (.., absolute, a symlink in the target or swapped in while it runs); nothing was written outside the target.' },
  REPO_RESTORE_CONFLICT: { status: 409, retryable: false, description: 'The restore target already holds an item of that name and overwriting was not asked for.' },
  REPO_ABORTED: { status: 409, retryable: true, description: 'The operation was cancelled before it finished.' },
  // 5xx
  INTERNAL: { status: 500, retryable: true, description: 'An unexpected server error; details are in the server log, never in the response.' },
  STORE_UNAVAILABLE: { status: 503, retryable: true, description: 'The job store (database) cannot be reached.' },
  BUCKET_UNAVAILABLE: { status: 503, retryable: true, description: 'The object store cannot be reached or refuses the request; the storage error is kept as the cause. Retryable for timeouts and outages; an error that the store refused for good (credentials, a missing bucket) carries retryable false.' },
  AGENT_UNAVAILABLE: { status: 503, retryable: true, description: 'The agent of the working environment did not answer in time (it is stopped, busy or unreachable).' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_REGISTRY;

export function errorSpec(code: ErrorCode): ErrorSpec {
  return ERROR_REGISTRY[code];
}
