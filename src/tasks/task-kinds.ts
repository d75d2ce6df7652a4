import { Type } from '@sinclair/typebox';
import { Contract, type HandlerTable, type KindOf, type PayloadOf, type ResultOf, type Unit } from './contract.js';
import { BackupName, Count, EpochMs, RepositoryId, SnapshotId, VisibleVolumeName, VolumeId, VolumeName, VolumePath, WeId } from './fields.js';

/** Items a backup could not read, named in the job: how many, and the first few paths (escaped form, volume-relative). */
export const SkippedSchema = Type.Object({
  count: Count,
  paths: Type.Array(Type.String({ minLength: 1, maxLength: 16_384 }), { maxItems: 10 }),
});

const RestoreSource = {
  /** The WE whose repository holds the backup. */
  sourceWeId: WeId,
  sourceVolumeId: VolumeId,
  snapshotId: SnapshotId,
  /** The WE (its agent runs the task) and volume restored into. */
  targetWeId: WeId,
  targetVolumeName: VisibleVolumeName,
  /** Folders and files keep their source path under targetPath. */
  retainSourcePath: Type.Boolean(),
};
const RestorePaths = Type.Object({
  ...RestoreSource,
  /** Directory inside the target volume restored into ("/" = its root). */
  targetPath: VolumePath,
  /** Absolute paths inside the backup. */
  paths: Type.Array(VolumePath, { minItems: 1, maxItems: 10_000 }),
});
const RestoreResult = Type.Object({
  files: Count, bytes: Count, placed: Type.Optional(Count),
  /** Present when special files could not be re-created (sockets; devices unless the agent runs as root). */
  skipped: Type.Optional(SkippedSchema),
});

/**
 * Every task kind: what the control plane asks (payload) and what the agent reports
 * back (result). Adding a kind here makes the agent's runner table incomplete until a
 * runner exists (a compile error) and the kind's payloads and results are validated at
 * the protocol boundary from then on. The store never looks inside: it keeps payload
 * and result as JSON.
 */
export const TASK_KINDS = {
  /** Activation: create the WE's repository in its bucket. */
  'init-repository': {
    payload: Type.Object({ weId: WeId }),
    result: Type.Object({ repositoryId: RepositoryId }),
  },
  /** Back up one volume: a new snapshot, incremental against the volume's previous one. */
  'backup-volume': {
    payload: Type.Object({
      weId: WeId, volumeId: VolumeId, volumeName: VolumeName, backupName: BackupName,
      /** The policy label of a scheduled backup (hourly, daily, …), tagged on the snapshot. */
      label: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' })),
    }),
    result: Type.Object({
      snapshotId: SnapshotId,
      creationTime: EpochMs,
      /** Bytes of the volume's files captured (logical). */
      size: Count,
      files: Count,
      /** Present when some items could not be read: the snapshot was written without them. */
      skipped: Type.Optional(SkippedSchema),
    }),
  },
  /** A backup restored as a new volume `targetVolumeName`. */
  'restore-volume': {
    payload: Type.Object(RestoreSource),
    result: RestoreResult,
  },
  /** One folder of a backup restored into an existing volume. */
  'restore-folder': { payload: RestorePaths, result: RestoreResult },
  /** A batch of files of a backup restored into an existing volume. */
  'restore-files': { payload: RestorePaths, result: RestoreResult },
} as const;

export type TaskKinds = typeof TASK_KINDS;
export type TaskKind = KindOf<TaskKinds>;
export type TaskPayload<K extends TaskKind> = PayloadOf<TaskKinds, K>;
export type TaskResult<K extends TaskKind> = ResultOf<TaskKinds, K>;
/** A kind with its payload (`kind` narrows `payload`). */
export type TaskUnit = Unit<TaskKinds>;
/** One runner per task kind. */
export type TaskRunnerTable<Ctx> = HandlerTable<TaskKinds, Ctx>;

export const TASKS = new Contract('task', TASK_KINDS);
