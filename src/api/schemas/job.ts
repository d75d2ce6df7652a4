import { Type, type Static } from '@sinclair/typebox';

/**
 * The job resource exactly as the BlueXP job API documents it (kebab-case names),
 * plus our documented additions (start-time, end-time, progress, snapshot-id, skipped-count, skipped-paths).
 * These schemas serialise every response, so a field not listed here never leaves
 * the server.
 */
export const JobStatusSchema = Type.Union(
  [Type.Literal('PENDING'), Type.Literal('IN_PROGRESS'), Type.Literal('COMPLETED'), Type.Literal('FAILED')],
  { description: 'PENDING | IN_PROGRESS | COMPLETED | FAILED' },
);
export const EntryStatusSchema = Type.Union(
  [Type.Literal('PENDING'), Type.Literal('IN_PROGRESS'), Type.Literal('SUCCESS'), Type.Literal('FAILED')],
  { description: 'SUCCESS / FAILED once done; PENDING / IN_PROGRESS while the job runs' },
);

export const VolumeEntrySchema = Type.Object({
  id: Type.String({ description: 'volume ID (file-system-id)' }),
  status: EntryStatusSchema,
  error: Type.String({ description: 'error message in case of failure' }),
  'snapshot-id': Type.Optional(Type.String({ description: 'OpenCBS: the backup this volume entry produced' })),
  'skipped-count': Type.Optional(Type.Integer({ description: 'OpenCBS: items the backup could not read (the entry is SUCCESS when the backup was written; `error` names them)' })),
  'skipped-paths': Type.Optional(Type.Array(Type.String(), { description: 'OpenCBS: the first of those items, volume-relative' })),
}, { $id: 'volume' });

export const RestoreFileSchema = Type.Object({
  inode: Type.Number(),
  path: Type.String(),
  type: Type.String(),
  size: Type.Number({ description: 'bytes' }),
  mtime: Type.Number({ description: 'epoch milliseconds' }),
}, { $id: 'file' });

export const BatchSchema = Type.Object({
  id: Type.String(),
  status: EntryStatusSchema,
  error: Type.String(),
  time: Type.Number({ description: 'epoch milliseconds' }),
  file: Type.Array(RestoreFileSchema),
}, { $id: 'batch' });

export const SourceSchema = Type.Object({
  'working-environment-id': Type.Optional(Type.String()),
  'working-environment-name': Type.Optional(Type.String()),
  bucket: Type.Optional(Type.String()),
  'volume-id': Type.Optional(Type.String()),
  'volume-name': Type.Optional(Type.String()),
  snapshot: Type.Optional(Type.String()),
}, { $id: 'source' });

export const TargetSchema = Type.Object({
  'working-environment-id': Type.Optional(Type.String()),
  'working-environment-name': Type.Optional(Type.String()),
  svm: Type.Optional(Type.String()),
  'volume-name': Type.Optional(Type.String()),
  'volume-size': Type.Optional(Type.Number({ description: 'bytes' })),
  path: Type.Optional(Type.String()),
}, { $id: 'target' });

export const RestoreDataSchema = Type.Object({
  type: Type.String({ description: 'type of restore - file / folder / volume' }),
  source: Type.Optional(SourceSchema),
  target: Type.Optional(TargetSchema),
  batch: Type.Optional(Type.Array(BatchSchema)),
}, { $id: 'restore' });

export const JobDataSchema = Type.Object({
  'multi-volume-backup': Type.Optional(Type.Object({ volume: Type.Array(VolumeEntrySchema) })),
  restore: Type.Optional(RestoreDataSchema),
}, { $id: 'data' });

export const ProgressSchema = Type.Object({
  'bytes-done': Type.Number(),
  'bytes-total': Type.Number(),
  'files-done': Type.Number(),
  'files-total': Type.Number(),
});

export const JobSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  'working-environment-id': Type.String(),
  type: Type.String(),
  status: JobStatusSchema,
  error: Type.String({ description: '"" unless FAILED, or COMPLETED with a warning (items a backup could not read)' }),
  time: Type.Number({ description: 'creation time, epoch milliseconds' }),
  data: Type.Optional(JobDataSchema),
  'start-time': Type.Optional(Type.Number({ description: 'OpenCBS: first task claimed, epoch ms' })),
  'end-time': Type.Optional(Type.Number({ description: 'OpenCBS: terminal state reached, epoch ms' })),
  progress: Type.Optional(ProgressSchema),
  'skipped-count': Type.Optional(Type.Integer({ description: 'OpenCBS: items the job\'s backups could not read; the job still COMPLETED, and `error` names the first' })),
}, { $id: 'job' });
export type JobJson = Static<typeof JobSchema>;

export const JobListResponseSchema = Type.Object({
  job: Type.Array(JobSchema),
  'next-cursor': Type.Optional(Type.String({ description: 'OpenCBS: pass as `cursor` for the next page' })),
});
export type JobListResponse = Static<typeof JobListResponseSchema>;
