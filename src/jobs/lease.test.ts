import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkLease, leaseExpiryOutcome, newLeaseToken } from './lease.js';

describe('lease rules', () => {
  const task = { status: 'LEASED', agentId: 'a1', leaseToken: 'tok', leaseExpiresAt: 1_000 };
  test('only the holder with its token, before expiry, holds the lease', () => {
    assert.equal(checkLease(task, 'a1', 'tok', 1_000), 'ok');
    assert.equal(checkLease(task, 'a1', 'tok', 1_001), 'expired');
    assert.equal(checkLease(task, 'a2', 'tok', 500), 'other-agent');
    assert.equal(checkLease(task, 'a1', 'other', 500), 'other-token');
    assert.equal(checkLease({ ...task, status: 'SUCCESS' }, 'a1', 'tok', 500), 'not-leased');
    assert.equal(checkLease({ ...task, status: 'PENDING' }, 'a1', 'tok', 500), 'not-leased');
  });
  test('an expired lease is retried while attempts remain, then failed naming the agent', () => {
    assert.deepEqual(leaseExpiryOutcome({ attempts: 1, maxAttempts: 2, agentId: 'a1' }), { status: 'PENDING' });
    assert.deepEqual(leaseExpiryOutcome({ attempts: 2, maxAttempts: 2, agentId: 'a1' }), {
      status: 'FAILED', error: 'agent lease expired after 2 attempts (agent a1 stopped heartbeating)',
    });
  });
  test('lease tokens are unguessable and distinct', () => {
    const tokens = new Set(Array.from({ length: 1000 }, newLeaseToken));
    assert.equal(tokens.size, 1000);
    for (const t of tokens) assert.match(t, /^[A-Za-z0-9_-]{24}$/);
  });
});
