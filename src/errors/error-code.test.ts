import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CbsError, errorOutcome } from './index.js';

class StorageLike extends Error {
  override readonly name = 'StorageError';
  constructor(readonly kind: string) { super(kind); }
}

test('errorOutcome keeps a registered code, honours an own retryable flag, and reads the cause chain', () => {
  assert.deepEqual(errorOutcome(new CbsError('CONFLICT', 'x')), { code: 'CONFLICT', retryable: false });
  assert.deepEqual(errorOutcome(Object.assign(new Error('x'), { code: 'REPO_LOCKED' })), { code: 'REPO_LOCKED', retryable: true });
  assert.deepEqual(errorOutcome(Object.assign(new Error('x'), { code: 'BUCKET_UNAVAILABLE', retryable: false })), { code: 'BUCKET_UNAVAILABLE', retryable: false });
  // An unregistered code (an errno) is not a code of ours: the cause decides.
  assert.deepEqual(errorOutcome(Object.assign(new Error('x'), { code: 'ENOENT', cause: new StorageLike('transient') })), { code: 'BUCKET_UNAVAILABLE', retryable: true });
  assert.deepEqual(errorOutcome(new Error('wrap', { cause: new CbsError('REPO_INTEGRITY', 'bad') })), { code: 'REPO_INTEGRITY', retryable: false });
  // The outermost classification wins: integrity over the storage error it wraps.
  assert.deepEqual(errorOutcome(Object.assign(new Error('x'), { code: 'REPO_INTEGRITY', cause: new StorageLike('transient') })), { code: 'REPO_INTEGRITY', retryable: false });
});

test('storage outages are BUCKET_UNAVAILABLE (retryable only when transient); anything else is INTERNAL', () => {
  assert.deepEqual(errorOutcome(new StorageLike('transient')), { code: 'BUCKET_UNAVAILABLE', retryable: true });
  assert.deepEqual(errorOutcome(new StorageLike('permanent')), { code: 'BUCKET_UNAVAILABLE', retryable: false });
  assert.deepEqual(errorOutcome(new StorageLike('not-found')), { code: 'INTERNAL', retryable: true });
  assert.deepEqual(errorOutcome(new Error('boom')), { code: 'INTERNAL', retryable: true });
  assert.deepEqual(errorOutcome('a string'), { code: 'INTERNAL', retryable: true });
});
