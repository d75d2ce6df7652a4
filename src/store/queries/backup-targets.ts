import type { Kysely, Selectable } from 'kysely';
import { decodeJson, encodeJson, encodeJsonOrNull } from '../json-codec.js';
import type { BackupTarget } from '../backup-model.js';
import type { BackupTargetRow, Database } from '../schema.js';

function toTarget(r: Selectable<BackupTargetRow>): BackupTarget {
  const t: BackupTarget = {
    workingEnvironmentId: r.working_environment_id, accountId: r.account_id, provider: r.provider,
    bucket: r.bucket, location: r.location, wrappedKey: r.wrapped_key,
    options: decodeJson<Record<string, unknown>>(r.options, 'backup_targets.options') ?? {},
    autoBackupEnabled: Number(r.auto_backup_enabled) === 1, status: r.status as BackupTarget['status'],
    jobId: r.job_id, createdAt: r.created_at,
  };
  if (r.wrapped_credentials !== null) t.wrappedCredentials = r.wrapped_credentials;
  const policy = decodeJson<Record<string, unknown>>(r.backup_policy, 'backup_targets.backup_policy');
  if (policy !== undefined) t.backupPolicy = policy;
  return t;
}

/** Insert-only: a WE is activated once. Returns false when it already had a target. Run in a write transaction. */
export async function insertBackupTarget(db: Kysely<Database>, t: BackupTarget): Promise<boolean> {
  const r = await db.insertInto('backup_targets').values({
    working_environment_id: t.workingEnvironmentId, account_id: t.accountId, provider: t.provider, bucket: t.bucket,
    location: t.location, wrapped_key: t.wrappedKey, wrapped_credentials: t.wrappedCredentials ?? null,
    options: encodeJson(t.options), backup_policy: encodeJsonOrNull(t.backupPolicy),
    auto_backup_enabled: t.autoBackupEnabled ? 1 : 0, status: t.status, job_id: t.jobId, created_at: t.createdAt,
  }).onConflict((oc) => oc.column('working_environment_id').doNothing()).executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/** Replaces a FAILED activation (a new attempt). Run in a write transaction. */
export async function replaceFailedBackupTarget(db: Kysely<Database>, t: BackupTarget): Promise<boolean> {
  const r = await db.deleteFrom('backup_targets')
    .where('working_environment_id', '=', t.workingEnvironmentId).where('status', '=', 'FAILED').executeTakeFirst();
  if (Number(r.numDeletedRows) === 0) return false;
  return insertBackupTarget(db, t);
}

export async function getBackupTarget(db: Kysely<Database>, accountId: string, weId: string): Promise<BackupTarget | undefined> {
  const r = await db.selectFrom('backup_targets').selectAll()
    .where('working_environment_id', '=', weId).where('account_id', '=', accountId).executeTakeFirst();
  return r === undefined ? undefined : toTarget(r);
}

export async function listBackupTargets(db: Kysely<Database>, accountId: string): Promise<BackupTarget[]> {
  const rows = await db.selectFrom('backup_targets').selectAll().where('account_id', '=', accountId)
    .orderBy('working_environment_id').execute();
  return rows.map(toTarget);
}

/**
 * A target being activated follows its activation job: ON when the job COMPLETED, FAILED
 * when it FAILED. Called by rederiveJob when a job becomes terminal, in its transaction.
 */
export async function settleActivation(db: Kysely<Database>, jobId: string, jobStatus: 'COMPLETED' | 'FAILED'): Promise<void> {
  await db.updateTable('backup_targets').set({ status: jobStatus === 'COMPLETED' ? 'ON' : 'FAILED' })
    .where('job_id', '=', jobId).where('status', '=', 'ACTIVATING').execute();
}
