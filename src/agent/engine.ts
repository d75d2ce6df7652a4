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

export interface AgentEngine {
  /** Creates the repository; when one already exists and opens with this key, succeeds (a retried task). */
  init(repo: RepositoryRef): Promise<{ repositoryId: string }>;
  /** A new snapshot of `sourceDir` (incremental against the latest of the same source). */
  backup(repo: RepositoryRef, o: { sourceDir: string; tags: string[]; signal: AbortSignal; onProgress: (p: EngineProgress) => void }):
    Promise<{
      snapshotId: string; time: number; size: number; files: number;
      /** Items that could not be read (the snapshot was written without them): how many, and the first ≤ 10 paths, volume-relative, in the escaped form. */
      skipped?: { count: number; paths: string[] };
    }>;
  /** Restores the snapshot (or the `include` paths, kept at their full path) into `targetDir`. */
  restore(repo: RepositoryRef, o: { snapshotId: string; targetDir: string; include?: string[]; signal: AbortSignal; onProgress: (p: EngineProgress) => void }):
    Promise<{ files: number; bytes: number }>;
  /**
   * Entries [offset, offset + limit) of one directory of a snapshot, in name order, and
   * how many entries it has. Memory and time stay bounded by the page, not the directory.
   */
  listDirPage(repo: RepositoryRef, snapshotId: string, path: string, page: { offset: number; limit: number }): Promise<{ entries: SnapshotEntry[]; total: number }>;
  /** The repository's master key as a key export (opens it without the server: `cbs repo --key-file`). */
  exportKey(repo: RepositoryRef): Promise<string>;
}
