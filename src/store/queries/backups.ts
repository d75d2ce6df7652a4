import type { Kysely, Selectable } from 'kysely';
import type { BackupRecord } from '../backup-model.js';
import type { BackupRow, Database } from '../schema.js';

function toBackup(r: Selectable<BackupRow>): BackupRecord {
  return {
    id: r.id, accountId: r.account_id, workingEnvironmentId: r.working_environment_id, volumeId: r.volume_id,
    name: r.name, creationTime: r.creation_time, size: Number(r.size), jobId: r.job_id,
  };
}

/** Idempotent: a retried report of the same snapshot keeps the first record. */
export async function recordBackup(db: Kysely<Database>, b: BackupRecord): Promise<void> {
  await db.insertInto('backups').values({
    working_environment_id: b.workingEnvironmentId, id: b.id, account_id: b.accountId, volume_id: b.volumeId,
    name: b.name, creation_time: b.creationTime, size: b.size, job_id: b.jobId,
  }).onConflict((oc) => oc.columns(['working_environment_id', 'id']).doNothing()).execute();
}

/** Oldest first. */
export async function listBackups(db: Kysely<Database>, accountId: string, weId: string, volumeId: string): Promise<BackupRecord[]> {
  const rows = await db.selectFrom('backups').selectAll()
    .where('account_id', '=', accountId).where('working_environment_id', '=', weId).where('volume_id', '=', volumeId)
    .orderBy('creation_time').orderBy('id').execute();
  return rows.map(toBackup);
}

export async function getBackup(db: Kysely<Database>, accountId: string, weId: string, id: string): Promise<BackupRecord | undefined> {
  const r = await db.selectFrom('backups').selectAll()
    .where('account_id', '=', accountId).where('working_environment_id', '=', weId).where('id', '=', id).executeTakeFirst();
  return r === undefined ? undefined : toBackup(r);
}
