/**
 * The repository operations the agent's runners need. main/ implements it over the
 * engine (src/repo) and the storage backends; tests may supply a fake.
 */
export interface RepositoryRef {
  /** `local:/path` or `s3:…` */
  location: string;
  /** The repository secret (the engine's key-encryption key), 32 bytes. */
  key: Buffer;
  options: Record<string, unknown>;
  credentials?: Record<string, unknown>;
}

export interface EngineProgress { bytesDone: number; bytesTotal: number; filesDone: number; filesTotal: number }

/** One entry of a directory of a snapshot. */
export interface SnapshotEntry {
  inode: number;
  name: string;
  type: 'FILE' | 'DIRECTORY' | 'SYMLINK' | 'OTHER';
  size: number;
  /** epoch ms */
  mtime: number;
}

/** Items an operation left out: how many, and the first few snapshot paths (escaped form). */
export interface SkippedItems { count: number; paths: readonly string[] }

export interface AgentEngine {
  /** Creates the repository; when one already exists and opens with this key, succeeds (a retried task). */
  init(repo: RepositoryRef): Promise<{ repositoryId: string }>;
  /** A new snapshot of `sourceDir` (incremental against the latest of the same source). */
  backup(repo: RepositoryRef, o: { sourceDir: string; tags: string[]; signal: AbortSignal; onProgress: (p: EngineProgress) => void }):
    Promise<{ snapshotId: string; time: number; size: number; files: number; skipped?: SkippedItems }>;
  /**
   * Restores the snapshot (or the `include` paths, escaped form, kept at their full
   * path) into `targetDir`; `skipped`: special files not re-created (sockets; devices
   * unless root).
   */
  restore(repo: RepositoryRef, o: { snapshotId: string; targetDir: string; include?: string[]; signal: AbortSignal; onProgress: (p: EngineProgress) => void }):
    Promise<{ files: number; bytes: number; skipped?: SkippedItems }>;
  /**
   * Entries [offset, offset + limit) of one directory of a snapshot, in name order, and
   * how many entries it has. Memory and time stay bounded by the page, not the directory.
   */
  listDirPage(repo: RepositoryRef, snapshotId: string, path: string, page: { offset: number; limit: number }): Promise<{ entries: SnapshotEntry[]; total: number }>;
  /** The repository's master key as a key export (opens it without the server: `cbs repo --key-file`). */
  exportKey(repo: RepositoryRef): Promise<string>;
}
