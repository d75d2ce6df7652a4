import { CbsError } from '../errors/index.js';
import type { Volume, WorkingEnvironment } from '../store/model.js';
import type { BackupRecord, BackupTarget } from '../store/backup-model.js';
import type { OperationsStore } from './deps.js';

/**
 * Resolving ids inside an account. Every miss is a 404 with the same answer whether the
 * id does not exist or belongs to another account.
 */
export async function weOf(store: OperationsStore, accountId: string, weId: string): Promise<WorkingEnvironment> {
  const we = await store.getWorkingEnvironment(accountId, weId);
  if (!we) throw new CbsError('WORKING_ENVIRONMENT_NOT_FOUND', `working environment ${weId} not found`);
  return we;
}

export async function volumeOf(store: OperationsStore, we: WorkingEnvironment, volumeId: string): Promise<Volume> {
  const v = (await store.listVolumes(we.id)).find((x) => x.id === volumeId.toLowerCase() || x.id === volumeId);
  if (!v) throw new CbsError('VOLUME_NOT_FOUND', `volume ${volumeId} not found in working environment ${we.id}`);
  return v;
}

export async function backupOf(store: OperationsStore, we: WorkingEnvironment, volume: Volume, snapshotId: string): Promise<BackupRecord> {
  const b = await store.getBackup(we.accountId, we.id, snapshotId);
  if (!b || b.volumeId !== volume.id) throw new CbsError('SNAPSHOT_NOT_FOUND', `backup ${snapshotId} of volume ${volume.id} not found`);
  return b;
}

/**
 * The WE's backup target, once activation succeeded. The store moves a target from
 * ACTIVATING to ON or FAILED in the transaction that ends its activation job, so the
 * stored status is the whole truth.
 */
export async function activeTargetOf(store: OperationsStore, we: WorkingEnvironment): Promise<BackupTarget> {
  const t = await store.getBackupTarget(we.accountId, we.id);
  if (!t || t.status !== 'ON') {
    throw new CbsError('CONFLICT', `backup is not activated on working environment ${we.id}${t?.status === 'ACTIVATING' ? ' yet (activation job still running)' : ''}`);
  }
  return t;
}
