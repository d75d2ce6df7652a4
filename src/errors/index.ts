/**
 * errors — the error vocabulary of OpenCBS.
 *  code      a SCREAMING_SNAKE name registered in ERROR_REGISTRY, stable across releases
 *  status    the HTTP status the code maps to
 *  retryable whether repeating the same request may succeed
 * Imports nothing of ours.
 */
export * from './registry.js';
export * from './cbs-error.js';
export * from './error-code.js';
