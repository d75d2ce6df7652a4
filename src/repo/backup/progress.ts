export interface BackupProgress {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
  currentPath?: string;
}

/** Calls the listener at most every `intervalMs`, and always for the final report. */
export class ProgressReporter {
  readonly p: BackupProgress = { filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0 };
  private last = 0;

  constructor(private readonly listener: ((p: BackupProgress) => void) | undefined, private readonly intervalMs = 200) {}

  tick(force = false): void {
    if (!this.listener) return;
    const now = Date.now();
    if (!force && now - this.last < this.intervalMs) return;
    this.last = now;
    this.listener({ ...this.p });
  }
}
