import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { jobErrorMessage, MAX_LISTED_FAILURES, MAX_REASON_CHARS } from './job-error-message.js';
import type { EntryState, TaskState } from './job-state.js';

const task = (id: string, status: TaskState['status'], error = '', entryId?: string): TaskState =>
  ({ id, kind: 'restore-batch', status, attempts: 1, error, ...(entryId ? { entryId } : {}) });

describe('jobErrorMessage', () => {
  test('names the failed volume by name and id, counts all volumes', () => {
    const entries: EntryState[] = [
      { id: 'id-a', kind: 'volume', name: 'vol-a', status: 'SUCCESS', error: '' },
      { id: 'id-b', kind: 'volume', name: 'vol-b', status: 'FAILED', error: 'disk full' },
      { id: 'id-c', kind: 'volume', name: 'vol-c', status: 'SUCCESS', error: '' },
    ];
    const tasks = [task('t1', 'SUCCESS', '', 'id-a'), task('t2', 'FAILED', 'disk full', 'id-b'), task('t3', 'SUCCESS', '', 'id-c')];
    assert.equal(jobErrorMessage(entries, tasks), '1 of 3 volumes failed: vol-b (id-b): disk full');
  });

  test('a volume without a name is named by its id', () => {
    const entries: EntryState[] = [{ id: 'id-a', kind: 'volume', status: 'FAILED', error: 'x' }];
    assert.equal(jobErrorMessage(entries, [task('t', 'FAILED', 'x', 'id-a')]), '1 of 1 volume failed: volume id-a: x');
  });

  test('batches are named "batch <id>" and several failures are listed', () => {
    const entries: EntryState[] = ['b1', 'b2', 'b3'].map((id, i) => ({ id, kind: 'batch', status: i === 1 ? 'SUCCESS' : 'FAILED', error: `e${i}` }));
    const tasks = entries.map((e, i) => task(`t${i}`, e.status === 'SUCCESS' ? 'SUCCESS' : 'FAILED', `e${i}`, e.id));
    assert.equal(jobErrorMessage(entries, tasks), '2 of 3 batches failed: batch b1: e0; batch b3: e2');
  });

  test('a single task without entries gives its own error', () => {
    assert.equal(jobErrorMessage([], [task('t', 'FAILED', 'bucket unreachable')]), 'bucket unreachable');
    assert.equal(jobErrorMessage([], [task('t', 'FAILED', '  ')]), 'failed');
  });

  test('several tasks without entries are counted as tasks', () => {
    const msg = jobErrorMessage([], [task('t1', 'FAILED', 'boom'), task('t2', 'SUCCESS')]);
    assert.equal(msg, '1 of 2 tasks failed: task restore-batch t1: boom');
  });

  test('long reasons and long lists are cut', () => {
    const n = MAX_LISTED_FAILURES + 3;
    const entries: EntryState[] = Array.from({ length: n }, (_, i) => ({ id: `b${i}`, kind: 'batch', status: 'FAILED', error: 'x'.repeat(1000) }));
    const tasks = entries.map((e, i) => task(`t${i}`, 'FAILED', e.error, e.id));
    const msg = jobErrorMessage(entries, tasks);
    assert.ok(msg.startsWith(`${n} of ${n} batches failed: `));
    assert.ok(msg.endsWith('; and 3 more'));
    assert.ok(!msg.includes('x'.repeat(MAX_REASON_CHARS)));
    assert.equal((msg.match(/batch b\d+:/g) ?? []).length, MAX_LISTED_FAILURES);
  });
});
