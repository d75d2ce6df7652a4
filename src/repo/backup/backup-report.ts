import type { BackupError } from '../snapshot/index.js';

/** Problems kept in the snapshot summary; beyond, only counted. */
const ERRORS_KEPT = 1000;
/** Skipped paths the engine returns to its caller. */
const SKIPPED_PATHS_KEPT = 100;

/**
 * What a backup met that did not stop it: problems (`error`), and among them the
 * items that are missing from the snapshot because of one (`skip`). Bounded: a volume
 * of a million unreadable files yields a count, not a million-entry summary.
 */
export class BackupReport {
  readonly errors: BackupError[] = [];
  errorsOmitted = 0;
  skipped = 0;
  readonly skippedPaths: string[] = [];

  error(path: string, message: string): void {
    this.add({ path, message });
  }

  skip(path: string, message: string): void {
    this.skipped++;
    if (this.skippedPaths.length < SKIPPED_PATHS_KEPT) this.skippedPaths.push(path);
    this.add({ path, message, skipped: true });
  }

  private add(e: BackupError): void {
    if (this.errors.length < ERRORS_KEPT) this.errors.push(e);
    else this.errorsOmitted++;
  }
}
