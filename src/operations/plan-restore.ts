import { randomUUID } from 'node:crypto';
import { posix } from 'node:path';
import { CbsError } from '../errors/index.js';
import type { Job, NewJob, RestoreFile } from '../store/model.js';
import type { OperationsDeps } from './deps.js';
import { normalizeBrowsePath } from './browse-path.js';
import { activeTargetOf, volumeOf, weOf } from './lookups.js';
import { newTask, submitJob } from './submit-job.js';

/** A restore, named as the API names it (the `restore` object of POST …/v1|v2|v3/restore). */
export interface RestoreRequest {
  /** volume | file | folder, any case */
  type: string;
  source: { 'working-environment-id': string; 'volume-id': string; /** a backup id or name */ snapshot: string };
  target: { 'working-environment-id': string; 'volume-name': string; path?: string; 'retain-source-path'?: boolean };
  file?: ReadonlyArray<{ inode: number | string; path: string; type: string; size: number; mtime: number }>;
}

/**
 * How a file restore is split into batches (each batch one task and one `batch[]`
 * entry): files in request order; a batch closes at RESTORE_BATCH_FILES files or when
 * the next file would take it past RESTORE_BATCH_BYTES (a single larger file is a batch
 * of its own). Small batches report progress and fail independently; large enough ones
 * keep the per-task cost (a claim, a repository open) small against the data moved.
 */
export const RESTORE_BATCH_FILES = 100;
export const RESTORE_BATCH_BYTES = 1024 * 1024 * 1024;

export function splitIntoBatches<T extends { size: number }>(files: readonly T[], maxFiles = RESTORE_BATCH_FILES, maxBytes = RESTORE_BATCH_BYTES): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let bytes = 0;
  for (const f of files) {
    if (cur.length > 0 && (cur.length >= maxFiles || bytes + f.size > maxBytes)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(f);
    bytes += f.size;
  }
  if (cur.length) out.push(cur);
  return out;
}

/** Plans the restore (planRestore) and submits its job. */
export async function submitRestore(deps: OperationsDeps, accountId: string, r: RestoreRequest): Promise<Job> {
  return submitJob(deps, await planRestore(deps, accountId, r));
}

/**
 * The job a restore becomes, checked against the store:
 *  volume  a new volume `target.volume-name` on the target WE (409 when the name is taken;
 *          400 for a name the service hides: starting with ".")
 *  folder  `file[0].path` (one folder) restored as `<target.path>/<folder name>` in an existing volume
 *  file    each `file[].path` restored as `<target.path>/<file name>` in an existing volume, in batches
 *  (with `target.retain-source-path: true`, folders and files keep their source path under `<target.path>`)
 * The tasks run on the target WE's agent, which reads the source WE's repository.
 */
export async function planRestore(deps: OperationsDeps, accountId: string, r: RestoreRequest): Promise<NewJob> {
  const { store, options } = deps;
  const type = r.type.toLowerCase();
  if (type !== 'volume' && type !== 'file' && type !== 'folder') {
    throw new CbsError('VALIDATION_FAILED', 'body field "restore.type" must be volume, file or folder', { details: { field: 'restore.type' } });
  }
  const srcWe = await weOf(store, accountId, r.source['working-environment-id']);
  const srcVol = await volumeOf(store, srcWe, r.source['volume-id']);
  const srcTarget = await activeTargetOf(store, srcWe);
  const backups = await store.listBackups(accountId, srcWe.id, srcVol.id);
  const backup = backups.find((b) => b.id === r.source.snapshot) ?? backups.find((b) => b.name === r.source.snapshot);
  if (!backup) throw new CbsError('SNAPSHOT_NOT_FOUND', `backup ${r.source.snapshot} of volume ${srcVol.id} not found`);

  const dstWe = await weOf(store, accountId, r.target['working-environment-id']);
  const dstName = r.target['volume-name'];
  if (dstName.startsWith('.')) {
    const field = 'restore.target.volume-name';
    throw new CbsError('VALIDATION_FAILED', `body field "${field}" must not start with ".": such names are hidden and never volumes`, { details: { field } });
  }
  const dstVolumes = await store.listVolumes(dstWe.id);
  const states = new Map((await store.listVolumeStates(dstWe.id)).map((s) => [s.volumeId, s.status]));
  const existing = dstVolumes.find((v) => v.name === dstName && states.get(v.id) !== 'missing');
  const targetPath = normalizeBrowsePath(r.target.path, 'restore.target.path');

  const source = {
    workingEnvironmentId: srcWe.id, workingEnvironmentName: srcWe.name, bucket: srcTarget.bucket,
    volumeId: srcVol.id, volumeName: srcVol.name, snapshot: backup.id,
  };
  const base = {
    sourceWeId: srcWe.id, sourceVolumeId: srcVol.id, snapshotId: backup.id, targetWeId: dstWe.id, targetVolumeName: dstName,
    retainSourcePath: r.target['retain-source-path'] === true,
  };
  const target = { workingEnvironmentId: dstWe.id, workingEnvironmentName: dstWe.name, svm: dstWe.svm, volumeName: dstName };
  const task = { agentId: dstWe.agentId, maxAttempts: options.maxAttempts };

  if (type === 'volume') {
    if (existing) throw new CbsError('CONFLICT', `volume "${dstName}" already exists on working environment ${dstWe.id}`);
    if (r.file) throw new CbsError('VALIDATION_FAILED', 'body field "restore.file" is not allowed for a volume restore', { details: { field: 'restore.file' } });
    return {
      accountId, workingEnvironmentId: dstWe.id, type: 'restore-volume',
      restore: { type: 'volume', source, target: { ...target, volumeSize: backup.size, path: '/' } },
      tasks: [newTask('restore-volume', base, task)],
    };
  }

  if (!existing) throw new CbsError('VOLUME_NOT_FOUND', `volume "${dstName}" not found on working environment ${dstWe.id}`);
  const files = r.file;
  if (!files) throw new CbsError('VALIDATION_FAILED', `body field "restore.file" is required for a ${type} restore`, { details: { field: 'restore.file' } });
  const parsed: RestoreFile[] = files.map((f, i) => ({
    inode: Number(f.inode), path: normalizeFilePath(f.path, `restore.file.${i}.path`), type: f.type, size: f.size, mtime: f.mtime,
  }));

  if (type === 'folder') {
    if (parsed.length !== 1) throw new CbsError('VALIDATION_FAILED', 'body field "restore.file" must name exactly one folder for a folder restore', { details: { field: 'restore.file' } });
    return {
      accountId, workingEnvironmentId: dstWe.id, type: 'restore-folder',
      restore: { type: 'folder', source, target: { ...target, path: targetPath } },
      entries: [{ id: randomUUID(), kind: 'batch', files: parsed }],
      tasks: [newTask('restore-folder', { ...base, targetPath, paths: [parsed[0]!.path] }, { ...task, entryIndex: 0 })],
    };
  }

  const batches = splitIntoBatches(parsed);
  return {
    accountId, workingEnvironmentId: dstWe.id, type: 'restore-file',
    restore: { type: 'file', source, target: { ...target, path: targetPath } },
    entries: batches.map((b) => ({ id: randomUUID(), kind: 'batch' as const, files: b })),
    tasks: batches.map((b, i) => newTask('restore-files', { ...base, targetPath, paths: b.map((f) => f.path) }, { ...task, entryIndex: i })),
  };
}

function normalizeFilePath(p: string, field: string): string {
  const n = normalizeBrowsePath(p, field);
  if (n === '/') throw new CbsError('VALIDATION_FAILED', `body field "${field}" must name a file or folder, not the volume root`, { details: { field } });
  return posix.normalize(n);
}
