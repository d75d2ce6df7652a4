import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { CbsError } from '../errors/index.js';
import { Contract, type HandlerTable, type PayloadOf, type ResultOf, type Unit } from './contract.js';
import { CALLS } from './call-kinds.js';
import { TASK_KINDS, TASKS } from './task-kinds.js';

/** The task table with one more kind, as a change adding a kind would make it. */
const FIXTURE_KINDS = {
  ...TASK_KINDS,
  'verify-volume': {
    payload: Type.Object({ weId: Type.String({ minLength: 1 }), depth: Type.Integer({ minimum: 1, maximum: 3 }) }),
    result: Type.Object({ problems: Type.Integer({ minimum: 0 }) }),
  },
} as const;
type Fixture = typeof FIXTURE_KINDS;
const FIXTURE = new Contract('task', FIXTURE_KINDS);

function rejectsNaming(f: () => unknown, field: string): void {
  assert.throws(f, (e: unknown) => e instanceof CbsError && e.code === 'VALIDATION_FAILED' && e.details?.['field'] === field && e.message.startsWith(`${field}: `));
}

test('a new task kind: the compiler refuses a payload or runner of the wrong shape, the protocol check refuses the same payload', () => {
  const ok: PayloadOf<Fixture, 'verify-volume'> = { weId: 'we-1', depth: 2 };
  // @ts-expect-error depth is a number, not a string
  const wrong: PayloadOf<Fixture, 'verify-volume'> = { weId: 'we-1', depth: 'deep' };
  // @ts-expect-error a producer cannot pair the kind with another kind's payload
  const mixed: Unit<Fixture> = { kind: 'verify-volume', payload: { weId: 'we-1', volumeId: 'v', volumeName: 'v', backupName: 'b' } };
  void mixed;

  type Runners = HandlerTable<Fixture, undefined>;
  const runBackup: Runners['backup-volume'] = async () => ({ snapshotId: 'ab'.repeat(32), creationTime: 1, size: 0, files: 0 });
  const others = {
    'init-repository': async () => ({ repositoryId: 'cd'.repeat(32) }),
    'backup-volume': runBackup,
    'restore-volume': async () => ({ files: 0, bytes: 0 }),
    'restore-folder': async () => ({ files: 0, bytes: 0 }),
    'restore-files': async () => ({ files: 0, bytes: 0 }),
  };
  // @ts-expect-error the table lacks a runner for the new kind
  const missing: Runners = others;
  // @ts-expect-error the runner returns the wrong result shape
  const mistyped: Runners = { ...others, 'verify-volume': async () => ({ problems: 'none' }) };
  const complete: Runners = { ...others, 'verify-volume': async (_ctx, p) => ({ problems: p.depth - 1 }) };
  void missing; void mistyped; void complete;

  assert.deepEqual(FIXTURE.payload('verify-volume', ok), ok);
  rejectsNaming(() => FIXTURE.payload('verify-volume', wrong), 'payload.depth');
  rejectsNaming(() => FIXTURE.payload('verify-volume', { weId: 'we-1' }), 'payload.depth');
  rejectsNaming(() => FIXTURE.payload('verify-volume', { weId: 'we-1', depth: 9 }), 'payload.depth');
  const r: ResultOf<Fixture, 'verify-volume'> = FIXTURE.result('verify-volume', { problems: 0 });
  assert.equal(r.problems, 0);
  assert.equal(FIXTURE.has('verify-volume'), true);
  assert.equal(TASKS.has('verify-volume'), false, 'the real table is untouched');
});

test('results are validated field by field: snapshot ids are 64 lowercase hex, counts integers ≥ 0; unknown fields are dropped', () => {
  const good = { snapshotId: 'ab'.repeat(32), creationTime: 1_700_000_000_000, size: 10, files: 2 };
  assert.deepEqual(TASKS.result('backup-volume', { ...good, note: 'from a newer agent' }), good);
  rejectsNaming(() => TASKS.result('backup-volume', { ...good, snapshotId: 'forged-snapshot-id' }), 'result.snapshotId');
  rejectsNaming(() => TASKS.result('backup-volume', { ...good, snapshotId: 'AB'.repeat(32) }), 'result.snapshotId');
  rejectsNaming(() => TASKS.result('backup-volume', { ...good, size: -1 }), 'result.size');
  rejectsNaming(() => TASKS.result('backup-volume', { ...good, files: 1.5 }), 'result.files');
  rejectsNaming(() => TASKS.result('backup-volume', { ...good, skipped: { count: 1, paths: Array(11).fill('/a') } }), 'result.skipped.paths');
  rejectsNaming(() => TASKS.result('backup-volume', null), 'result');
  rejectsNaming(() => TASKS.payload('restore-volume', {
    sourceWeId: 'w', sourceVolumeId: 'v', snapshotId: 'ab'.repeat(32), targetWeId: 'w', targetVolumeName: '.hidden', retainSourcePath: false,
  }), 'payload.targetVolumeName');
  rejectsNaming(() => CALLS.result('list-live', { entries: [{ inode: 1, name: 'a', type: 'PIPE', size: 0, mtime: 0 }], total: 1, more: false }), 'result.entries.0.type');
  assert.throws(() => TASKS.kind('nope'), (e: unknown) => e instanceof CbsError && /unknown task kind "nope"/.test(e.message));
});
