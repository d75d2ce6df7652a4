/**
 * repo — the backup engine: a content-addressed, encrypted, deduplicated repository
 * on any storage Backend. See docs/FORMAT.md for the byte-level format.
 *  repository  config + keys + packs + index + snapshots + locks under one backend
 *  blob        an encrypted chunk of file data (`data`) or a directory listing (`tree`)
 *  pack        ~16 MiB object holding many blobs, named by the SHA-256 of its bytes
 *  index       objects mapping blob id → (pack, offset, length)
 *  snapshot    one backup of one source directory: root tree, time, host, summary
 *  lock        shared (backup/restore/check/forget) or exclusive (prune) claim on the repository
 *  forget      remove snapshots (by id, or by a keep-last/hourly/daily/… policy)
 *  prune       delete or repack the packs whose blobs no snapshot references
 *  key export  the master key as a string, for recovery without any server
 *  name        a path component's bytes, shown and accepted in one escaped form (tree/name.ts)
 *  fsat        file-system calls relative to an open directory: restores never follow a
 *              symlink out of their target and never build paths longer than PATH_MAX
 *
 * This file is the engine's public API; other layers import only from here.
 */
export { RepoError, IntegrityError, MissingBlobError, StorageUnavailableError, isRepoError, isUnavailable, type RepoErrorCode } from './errors.js';
export { DEFAULT_SCRYPT, type ScryptParams } from './crypto/index.js';
export {
  Repository, initRepository, openRepository, exportKey, importKey, addKey,
  type InitOptions, type OpenOptions, type RepoConfig, type RepositoryStats,
} from './repository/index.js';
export {
  listSnapshots, loadSnapshot, findSnapshot, deleteSnapshot,
  type Snapshot, type SnapshotDoc, type SnapshotSummary, type BackupError,
} from './snapshot/index.js';
export {
  acquireLock, withLock, listLocks, isStale, STALE_AFTER_MS, DEFAULT_LOCK_WAIT_MS,
  type RepoLock, type LockDoc, type LockWaitOptions, type LockWaitInfo,
} from './lock/index.js';
export { backup, type BackupOptions, type BackupResult, type BackupProgress } from './backup/index.js';
export { restore, type RestoreOptions, type RestoreSummary, type RestoreProgress } from './restore/index.js';
export { listDir, listDirPage, MAX_PAGE, type DirEntry, type DirListing } from './browse/index.js';
export { check, type CheckOptions, type CheckResult, type CheckError, type CheckErrorKind, type CheckProgress } from './check/index.js';
export {
  forget, forgetByPolicy, planRetention, isEmptyPolicy, RETENTION_RULES,
  type ForgetOptions, type ForgetReport, type ForgetPolicyReport, type RetentionPolicy, type RetentionRule,
  type RetentionOptions, type RetentionGroupBy, type RetentionPlan, type RetentionGroup, type RetentionDecision,
} from './forget/index.js';
export {
  prune, estimateUnused, PRUNE_STEPS,
  type PruneOptions, type PruneReport, type PruneProgress, type PruneHooks, type PruneStep, type UnusedEstimate,
} from './prune/index.js';
export type { TreeNode, NodeType } from './tree/index.js';
export { escapeName, unescapeName, nameBytes, NameEscapeError, treeReferences, type BlobRef } from './tree/index.js';
export {
  openDirectory, openDirAt, ensureDirAt, closeDir, lstatAt, pathAt, pathOfFd, FD_PATHS_RACE_FREE,
} from './fsat/index.js';
