import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TASK_STATUSES, type TaskStatus } from '../store/model.js';
import { deriveJobStatus } from './derive-job-status.js';
import type { EntryState, JobState, TaskState } from './job-state.js';

const NOW = 5_000;
const PENDING_JOB: JobState = { status: 'PENDING', error: '' };

/** A task in every state it can really be in: PENDING never or again (after an expired lease), LEASED, SUCCESS, FAILED. */
const TASK_VARIANTS: ReadonlyArray<{ status: TaskStatus; attempts: number }> = [
  { status: 'PENDING', attempts: 0 }, { status: 'PENDING', attempts: 1 },
  { status: 'LEASED', attempts: 1 }, { status: 'SUCCESS', attempts: 1 }, { status: 'FAILED', attempts: 2 },
];

function* combos(n: number): Generator<Array<{ status: TaskStatus; attempts: number }>> {
  if (n === 0) { yield []; return; }
  for (const rest of combos(n - 1)) for (const v of TASK_VARIANTS) yield [...rest, v];
}

function tasksOf(states: ReadonlyArray<{ status: TaskStatus; attempts: number }>, entryIds?: string[]): TaskState[] {
  return states.map((s, i) => ({
    id: `t${i}`, kind: 'backup-volume', ...s, error: s.status === 'FAILED' ? `reason ${i}` : '',
    ...(entryIds ? { entryId: entryIds[i]! } : {}),
  }));
}

describe('deriveJobStatus', () => {
  test('every combination of up to 3 tasks, one entry each, follows the rules', () => {
    let checked = 0;
    for (let n = 1; n <= 3; n++) {
      for (const states of combos(n)) {
        for (const startTime of [undefined, 1_000]) {
          const entries: EntryState[] = states.map((_, i) => ({ id: `v${i}`, kind: 'volume', name: `vol-${i}`, status: 'PENDING', error: '' }));
          const job: JobState = startTime === undefined ? PENDING_JOB : { status: 'IN_PROGRESS', error: '', startTime };
          const out = deriveJobStatus({ job, entries, tasks: tasksOf(states, entries.map((e) => e.id)), now: NOW });
          const allTerminal = states.every((s) => s.status === 'SUCCESS' || s.status === 'FAILED');
          const anyFailed = states.some((s) => s.status === 'FAILED');
          const claimed = states.some((s) => s.attempts > 0);
          const expected = allTerminal ? (anyFailed ? 'FAILED' : 'COMPLETED') : claimed ? 'IN_PROGRESS' : 'PENDING';
          assert.equal(out.job.status, expected, JSON.stringify({ states, startTime }));
          // times: end only when terminal; start once claimed, and never moved once set
          assert.equal(out.job.endTime, allTerminal ? NOW : undefined);
          if (startTime !== undefined) assert.equal(out.job.startTime, startTime);
          else assert.equal(out.job.startTime, claimed ? NOW : undefined);
          // error only when FAILED, and it names each failed volume with its reason
          if (out.job.status === 'FAILED') {
            const failed = states.map((s, i) => [s, i] as const).filter(([s]) => s.status === 'FAILED');
            assert.match(out.job.error, new RegExp(`^${failed.length} of ${n} volumes? failed: `));
            for (const [, i] of failed) assert.ok(out.job.error.includes(`vol-${i} (v${i}): reason ${i}`), out.job.error);
          } else {
            assert.equal(out.job.error, '');
          }
          // each entry mirrors its one task
          states.forEach((s, i) => {
            const e = out.entries[i]!;
            const want = s.status === 'SUCCESS' ? 'SUCCESS' : s.status === 'FAILED' ? 'FAILED' : s.attempts > 0 ? 'IN_PROGRESS' : 'PENDING';
            assert.equal(e.status, want);
            assert.equal(e.error, s.status === 'FAILED' ? `reason ${i}` : '');
            assert.equal(e.name, `vol-${i}`);
          });
          checked++;
        }
      }
    }
    assert.equal(checked, 2 * (5 + 25 + 125));
  });

  test('a job with no task is COMPLETED at once', () => {
    const out = deriveJobStatus({ job: PENDING_JOB, entries: [], tasks: [], now: NOW });
    assert.deepEqual(out.job, { status: 'COMPLETED', error: '', endTime: NOW });
  });

  test('a terminal job is returned unchanged whatever its tasks say', () => {
    const job: JobState = { status: 'FAILED', error: 'x', startTime: 1, endTime: 2 };
    const out = deriveJobStatus({ job, entries: [], tasks: tasksOf([{ status: 'PENDING', attempts: 0 }]), now: NOW });
    assert.deepEqual(out.job, job);
  });

  test('an entry driven by two tasks fails only when both are terminal and one failed', () => {
    const entries: EntryState[] = [{ id: 'b1', kind: 'batch', status: 'PENDING', error: '' }];
    const run = (a: TaskStatus, b: TaskStatus) => deriveJobStatus({
      job: PENDING_JOB, entries, now: NOW,
      tasks: tasksOf([{ status: a, attempts: 1 }, { status: b, attempts: 1 }], ['b1', 'b1']),
    });
    assert.equal(run('FAILED', 'LEASED').entries[0]!.status, 'IN_PROGRESS');
    assert.equal(run('FAILED', 'SUCCESS').entries[0]!.status, 'FAILED');
    assert.equal(run('SUCCESS', 'SUCCESS').entries[0]!.status, 'SUCCESS');
    assert.equal(run('FAILED', 'SUCCESS').job.error, '1 of 1 batch failed: batch b1: reason 0');
  });

  test('an entry no task drives keeps its state', () => {
    const entries: EntryState[] = [{ id: 'v1', kind: 'volume', status: 'PENDING', error: '' }];
    const out = deriveJobStatus({ job: PENDING_JOB, entries, tasks: tasksOf([{ status: 'LEASED', attempts: 1 }]), now: NOW });
    assert.equal(out.entries[0]!.status, 'PENDING');
    assert.equal(out.job.status, 'IN_PROGRESS');
  });

  test('task statuses are exactly the ones the model declares', () => {
    assert.deepEqual(new Set(TASK_VARIANTS.map((v) => v.status)), new Set(TASK_STATUSES));
  });
});
