import { randomUUID } from 'node:crypto';
import type { Insertable, Kysely } from 'kysely';
import { deriveJobStatus, type EntryState } from '../../jobs/derive-job-status.js';
import { DEFAULTS } from '../../config/defaults.js';
import { validateNewJob } from '../../jobs/validate-new-job.js';
import type { NewJob } from '../model.js';
import { encodeJson, encodeJsonOrNull } from '../json-codec.js';
import type { Database, JobEntryRow, TaskRow } from '../schema.js';

/** Rows per INSERT: far below both dialects' bound-parameter limits. */
const INSERT_CHUNK = 200;

/** Inserts the job, its entries and its tasks; run inside one write transaction. Returns the job id. */
export async function createJob(db: Kysely<Database>, j: NewJob, now: number): Promise<string> {
  validateNewJob(j);
  const jobId = j.id ?? randomUUID();
  const input = j.entries ?? [];

  // Volume entries are named in error summaries; take the name from the store when not given.
  const unnamed = input.filter((e) => e.kind === 'volume' && e.name === undefined).map((e) => e.id);
  const names = new Map<string, string>();
  for (let i = 0; i < unnamed.length; i += INSERT_CHUNK) {
    const rows = await db.selectFrom('volumes').select(['id', 'name']).where('id', 'in', unnamed.slice(i, i + INSERT_CHUNK)).execute();
    for (const r of rows) names.set(r.id, r.name);
  }

  const entries: EntryState[] = input.map((e) => {
    const name = e.name ?? names.get(e.id);
    return { id: e.id, kind: e.kind, status: 'PENDING', error: '', ...(name === undefined ? {} : { name }) };
  });
  const tasks = j.tasks.map((t, i) => {
    const entryId = t.entryIndex === undefined ? undefined : input[t.entryIndex]!.id;
    return { id: randomUUID(), position: i, t, entryId };
  });
  const derived = deriveJobStatus({
    job: { status: 'PENDING', error: '' },
    entries,
    tasks: tasks.map(({ id, t, entryId }) => ({ id, kind: t.kind, status: 'PENDING' as const, attempts: 0, error: '', ...(entryId === undefined ? {} : { entryId }) })),
    now,
  });

  await db.insertInto('jobs').values({
    id: jobId, account_id: j.accountId, working_environment_id: j.workingEnvironmentId, type: j.type,
    status: derived.job.status, error: derived.job.error, time: now,
    start_time: derived.job.startTime ?? null, end_time: derived.job.endTime ?? null,
    restore: encodeJsonOrNull(j.restore),
  }).execute();

  const entryRows: Array<Insertable<JobEntryRow>> = input.map((e, i) => ({
    job_id: jobId, id: e.id, kind: e.kind, position: i, name: derived.entries[i]!.name ?? null,
    status: derived.entries[i]!.status, error: '', time: now, snapshot_id: null, files: encodeJsonOrNull(e.files),
  }));
  for (let i = 0; i < entryRows.length; i += INSERT_CHUNK) {
    await db.insertInto('job_entries').values(entryRows.slice(i, i + INSERT_CHUNK)).execute();
  }

  const taskRows: Array<Insertable<TaskRow>> = tasks.map(({ id, position, t, entryId }) => ({
    id, job_id: jobId, account_id: j.accountId, agent_id: t.agentId, entry_id: entryId ?? null, position,
    kind: t.kind, payload: encodeJson(t.payload), status: 'PENDING', attempts: 0,
    max_attempts: t.maxAttempts ?? DEFAULTS.maxAttempts, lease_token: null, lease_expires_at: null,
    progress: null, result: null, error: '', created_at: now, updated_at: now,
  }));
  for (let i = 0; i < taskRows.length; i += INSERT_CHUNK) {
    await db.insertInto('tasks').values(taskRows.slice(i, i + INSERT_CHUNK)).execute();
  }
  return jobId;
}
