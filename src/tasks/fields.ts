import { Type } from '@sinclair/typebox';

/**
 * Field schemas shared by task and call kinds. Ids and names are bounded so that no
 * payload or result can grow without limit; counts and sizes are integers ≥ 0.
 */
export const WeId = Type.String({ minLength: 1, maxLength: 128 });
export const VolumeId = Type.String({ minLength: 1, maxLength: 128 });
/** A volume's directory name as its agent reports it: a plain name. */
export const VolumeName = Type.String({ minLength: 1, maxLength: 255, pattern: '^[^/\\u0000]+$' });
/**
 * A volume name that may be created by a restore: a plain name that the service does
 * not hide (names starting with "." are not volumes, and ".cbs-" names are the agent's own).
 */
export const VisibleVolumeName = Type.String({ minLength: 1, maxLength: 255, pattern: '^[^./\\u0000][^/\\u0000]*$' });
/** A repository snapshot id: 64 lowercase hex digits (SHA-256). */
export const SnapshotId = Type.String({ pattern: '^[0-9a-f]{64}$' });
/** A repository id: 64 lowercase hex digits. */
export const RepositoryId = Type.String({ pattern: '^[0-9a-f]{64}$' });
export const BackupName = Type.String({ minLength: 1, maxLength: 255, pattern: '^[^/\\u0000]+$' });
/** A path inside a volume or a backup: absolute, "/"-separated ("/" is the root). */
export const VolumePath = Type.String({ minLength: 1, maxLength: 4096, pattern: '^/' });
export const Count = Type.Integer({ minimum: 0 });
/** Epoch milliseconds. */
export const EpochMs = Type.Integer({ minimum: 0 });

/** One directory entry as a browse answers it; the control plane adds `path`. */
export const BrowseEntry = Type.Object({
  inode: Count,
  /** Up to 255 bytes on disk; shown in the documented escaped form, hence the larger bound. */
  name: Type.String({ minLength: 1, maxLength: 1024 }),
  type: Type.Union([Type.Literal('FILE'), Type.Literal('DIRECTORY'), Type.Literal('SYMLINK'), Type.Literal('OTHER')]),
  size: Count,
  /** Epoch milliseconds (before 1970 is negative). */
  mtime: Type.Integer(),
});

/** Most entries one browse answer carries (a page of the public API is at most this long). */
export const MAX_BROWSE_PAGE = 1000;
