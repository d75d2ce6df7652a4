import { CbsError } from '../errors/index.js';
import type { Job, Volume } from '../store/model.js';
import type { OperationsDeps } from './deps.js';
import { activeTargetOf, volumeOf, weOf } from './lookups.js';
import { newTask, submitJob } from './submit-job.js';

/** A backup of one or more volumes of a WE, asked for by the API or by a schedule. */
export interface BackupRequest {
  accountId: string;
  weId: string;
  /** Volume ids (file-system-id), each once. */
  volumeIds: readonly string[];
  /** AD_HOC (a person asked), SCHEDULED (a policy's schedule), IMMEDIATE; every mode backs up now. */
  mode: 'AD_HOC' | 'SCHEDULED' | 'IMMEDIATE';
  /**
   * The job's shape: `backup-volume` (one volume) or `multi-volume-backup` (one entry per volume).
   * @default backup-volume for one volume, multi-volume-backup for several
   */
  jobType?: 'backup-volume' | 'multi-volume-backup';
  /** The backup's name; one volume only. @default defaultBackupName(volume name) */
  name?: string;
  /** The policy label (hourly, daily, …) of a scheduled backup; tagged on the snapshot as `label:<label>`. */
  label?: string;
}

/**
 * Backs volumes up now: one `backup-volume` task per volume (each the entry of its
 * volume), on the WE's agent. 404 for a volume not in the WE, 409 when backup is not
 * activated on it, 400 for a volume named twice or a name given for several volumes.
 */
export async function submitBackup(deps: OperationsDeps, r: BackupRequest): Promise<Job> {
  const we = await weOf(deps.store, r.accountId, r.weId);
  const seen = new Set<string>();
  const volumes: Volume[] = [];
  for (const [i, id] of r.volumeIds.entries()) {
    const v = await volumeOf(deps.store, we, id);
    const field = `volume.${i}.volume-id`;
    if (seen.has(v.id)) throw new CbsError('VALIDATION_FAILED', `body field "${field}" repeats volume ${v.id}`, { details: { field } });
    seen.add(v.id);
    volumes.push(v);
  }
  if (volumes.length === 0) throw new CbsError('VALIDATION_FAILED', 'a backup names at least one volume', { details: { field: 'volume' } });
  if (r.name !== undefined && volumes.length > 1) throw new CbsError('VALIDATION_FAILED', 'a backup name applies to one volume only', { details: { field: 'name' } });
  await activeTargetOf(deps.store, we);
  const now = new Date();
  return submitJob(deps, {
    accountId: we.accountId, workingEnvironmentId: we.id,
    type: r.jobType ?? (volumes.length === 1 ? 'backup-volume' : 'multi-volume-backup'),
    entries: volumes.map((v) => ({ id: v.id, kind: 'volume' as const, name: v.name })),
    tasks: volumes.map((v, i) => newTask('backup-volume', {
      weId: we.id, volumeId: v.id, volumeName: v.name, backupName: r.name ?? defaultBackupName(v.name, now),
      ...(r.label === undefined ? {} : { label: r.label }),
    }, { agentId: we.agentId, maxAttempts: deps.options.maxAttempts, entryIndex: i })),
  });
}

/** e.g. `vol1-20261128T101500Z`: sortable, readable, unique per second per volume. */
export function defaultBackupName(volumeName: string, now = new Date()): string {
  return `${volumeName}-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')}`;
}
