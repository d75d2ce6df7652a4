import type { Kysely } from 'kysely';
import { deriveJobStatus } from '../../jobs/derive-job-status.js';
import type { EntryStatus, JobEntry, JobStatus, TaskStatus } from '../model.js';
import type { StoreDialect } from '../dialect.js';
import type { Database } from '../schema.js';
import { settleActivation } from './backup-targets.js';

/**
 * Locks the job row (PostgreSQL) so that transactions finishing tasks of the same job
 * run one after the other: the second then sees the first's task as terminal, and the
 * last one to finish is the one that sets the job terminal.
 */
export async function lockJob(d: StoreDialect, db: Kysely<Database>, jobId: string): Promise<void> {
  await d.forUpdate(db.selectFrom('jobs').select('id').where('id', '=', jobId)).execute();
}

/** Recomputes the job's and its entries' states from its tasks and writes what changed. Call after changing a task, in the same transaction. */
export async function rederiveJob(d: StoreDialect, db: Kysely<Database>, jobId: string, now: number): Promise<void> {
  const job = await d.forUpdate(db.selectFrom('jobs').select(['status', 'error', 'start_time', 'end_time']).where('id', '=', jobId))
    .executeTakeFirstOrThrow();
  const entries = await db.selectFrom('job_entries').select(['id', 'kind', 'name', 'status', 'error'])
    .where('job_id', '=', jobId).orderBy('position').execute();
  const tasks = await db.selectFrom('tasks').select(['id', 'kind', 'entry_id', 'status', 'attempts', 'error'])
    .where('job_id', '=', jobId).orderBy('position').execute();

  const current = {
    status: job.status as JobStatus, error: job.error,
    ...(job.start_time === null ? {} : { startTime: job.start_time }),
    ...(job.end_time === null ? {} : { endTime: job.end_time }),
  };
  const derived = deriveJobStatus({
    job: current,
    entries: entries.map((e) => ({
      id: e.id, kind: e.kind as JobEntry['kind'], status: e.status as EntryStatus, error: e.error,
      ...(e.name === null ? {} : { name: e.name }),
    })),
    tasks: tasks.map((t) => ({
      id: t.id, kind: t.kind, status: t.status as TaskStatus, attempts: t.attempts, error: t.error,
      ...(t.entry_id === null ? {} : { entryId: t.entry_id }),
    })),
    now,
  });

  const next = derived.job;
  if (next.status !== current.status || next.error !== current.error || next.startTime !== current.startTime || next.endTime !== current.endTime) {
    await db.updateTable('jobs').set({
      status: next.status, error: next.error, start_time: next.startTime ?? null, end_time: next.endTime ?? null,
    }).where('id', '=', jobId).execute();
    if (next.status === 'COMPLETED' || next.status === 'FAILED') await settleActivation(db, jobId, next.status);
  }
  for (const [i, e] of derived.entries.entries()) {
    const before = entries[i]!;
    if (e.status !== before.status || e.error !== before.error) {
      await db.updateTable('job_entries').set({ status: e.status, error: e.error })
        .where('job_id', '=', jobId).where('id', '=', e.id).execute();
    }
  }
}
