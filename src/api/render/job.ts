import type { Job, RestoreSource, RestoreTarget } from '../../store/model.js';
import type { JobJson } from '../schemas/job.js';

/** Renders a stored job as the documented kebab-case job object. */
export function renderJob(job: Job): JobJson {
  const out: JobJson = {
    id: job.id,
    'working-environment-id': job.workingEnvironmentId,
    type: job.type,
    status: job.status,
    error: job.error,
    time: job.time,
  };
  const volumes = job.entries.filter((e) => e.kind === 'volume');
  if (job.type === 'multi-volume-backup') {
    out.data = {
      'multi-volume-backup': {
        volume: volumes.map((e) => ({
          id: e.id, status: e.status, error: e.error,
          ...(e.snapshotId ? { 'snapshot-id': e.snapshotId } : {}),
          ...(e.skipped ? { 'skipped-count': e.skipped.count, 'skipped-paths': e.skipped.paths } : {}),
        })),
      },
    };
  }
  if (job.restore) {
    const batches = job.entries.filter((e) => e.kind === 'batch');
    out.data = {
      ...out.data,
      restore: {
        type: job.restore.type,
        source: renderSource(job.restore.source),
        target: renderTarget(job.restore.target),
        ...(job.restore.type === 'file' || batches.length
          ? {
              batch: batches.map((b) => ({
                id: b.id, status: b.status, error: b.error, time: b.time,
                file: (b.files ?? []).map((f) => ({ inode: f.inode, path: f.path, type: f.type, size: f.size, mtime: f.mtime })),
              })),
            }
          : {}),
      },
    };
  }
  if (job.startTime !== undefined) out['start-time'] = job.startTime;
  if (job.endTime !== undefined) out['end-time'] = job.endTime;
  const skipped = volumes.reduce((n, e) => n + (e.skipped?.count ?? 0), 0);
  if (skipped > 0) out['skipped-count'] = skipped;
  if (job.progress) {
    out.progress = {
      'bytes-done': job.progress.bytesDone, 'bytes-total': job.progress.bytesTotal,
      'files-done': job.progress.filesDone, 'files-total': job.progress.filesTotal,
    };
  }
  return out;
}

function renderSource(s: RestoreSource): NonNullable<NonNullable<JobJson['data']>['restore']>['source'] {
  return dropUndefined({
    'working-environment-id': s.workingEnvironmentId,
    'working-environment-name': s.workingEnvironmentName,
    bucket: s.bucket,
    'volume-id': s.volumeId,
    'volume-name': s.volumeName,
    snapshot: s.snapshot,
  });
}

function renderTarget(t: RestoreTarget): NonNullable<NonNullable<JobJson['data']>['restore']>['target'] {
  return dropUndefined({
    'working-environment-id': t.workingEnvironmentId,
    'working-environment-name': t.workingEnvironmentName,
    svm: t.svm,
    'volume-name': t.volumeName,
    'volume-size': t.volumeSize,
    path: t.path,
  });
}

function dropUndefined<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}
