import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { jobErrorMessage, jobWarningMessage, MAX_LISTED_FAILURES, MAX_REASON_CHARS, skippedItemsMessage } from './job-error-message.js';
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
    const entries: EntryState[] = ['b1', 'b2', 'b3'].map((id, i) => ({ id, kind: 'batch', status: i === 1 ? 'SUCCESS' : 'FAILED', error: i === 1 ? '' : `e${i}` }));
    const tasks = entries.map((e, i) => task(`t${i}`, e.status === 'SUCCESS' ? 'SUCCESS' : 'FAILED', e.error, e.id));
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

describe('jobWarningMessage and skipped items', () => {
  test('a backup that could not read some items says how many and names the first paths', () => {
    assert.equal(skippedItemsMessage({ count: 1, paths: ['/a'] }), '1 item could not be read: /a');
    assert.equal(skippedItemsMessage({ count: 12, paths: ['/a', '/b'] }), '12 items could not be read: /a, /b, …');
    assert.equal(skippedItemsMessage({ count: 3, paths: [] }), '3 items could not be read');
  });

  test('a completed job carries its units\' warnings: one unit as is, several named, none → ""', () => {
    const one: EntryState[] = [{ id: 'id-a', kind: 'volume', name: 'vol-a', status: 'SUCCESS', error: '2 items could not be read: /x, /y' }];
    assert.equal(jobWarningMessage(one, [task('t', 'SUCCESS', one[0]!.error, 'id-a')]), '2 items could not be read: /x, /y');
    const two: EntryState[] = [...one, { id: 'id-b', kind: 'volume', name: 'vol-b', status: 'SUCCESS', error: '' }];
    assert.equal(jobWarningMessage(two, [task('t1', 'SUCCESS', one[0]!.error, 'id-a'), task('t2', 'SUCCESS', '', 'id-b')]),
      '1 of 2 volumes completed with warnings: vol-a (id-a): 2 items could not be read: /x, /y');
    assert.equal(jobWarningMessage([two[1]!], [task('t2', 'SUCCESS', '', 'id-b')]), '');
  });

  test('a failed job names its failures first, then what completed with a warning', () => {
    const entries: EntryState[] = [
      { id: 'id-a', kind: 'volume', name: 'vol-a', status: 'SUCCESS', error: '1 item could not be read: /x' },
      { id: 'id-b', kind: 'volume', name: 'vol-b', status: 'FAILED', error: 'disk full' },
    ];
    const tasks = [task('t1', 'SUCCESS', entries[0]!.error, 'id-a'), task('t2', 'FAILED', 'disk full', 'id-b')];
    assert.equal(jobErrorMessage(entries, tasks), '1 of 2 volumes failed: vol-b (id-b): disk full. Completed with warnings: vol-a (id-a): 1 item could not be read: /x');
  });
});
