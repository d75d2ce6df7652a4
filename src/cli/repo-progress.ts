import cliProgress from 'cli-progress';
import { formatBytes } from './output.js';

/** Something with files and bytes done and total, as backup and restore report it. */
export interface Counted { filesDone: number; filesTotal: number; bytesDone: number; bytesTotal: number }

/**
 * A progress bar on stderr when it is a terminal and the output is for people;
 * nothing otherwise, so pipes, scripts and `--json` see only the result.
 */
export class ProgressBar {
  private bar: cliProgress.SingleBar | undefined;
  private readonly started = Date.now();

  constructor(label: string, enabled: boolean) {
    if (!enabled || !process.stderr.isTTY) return;
    this.bar = new cliProgress.SingleBar({
      stream: process.stderr,
      format: `${label} {bar} {percentage}% | {files} files | {bytes} | {rate}`,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 20,
    }, cliProgress.Presets.shades_classic);
  }

  update(p: Counted): void {
    if (!this.bar) return;
    const secs = Math.max((Date.now() - this.started) / 1000, 0.001);
    const payload = {
      files: `${p.filesDone}/${p.filesTotal || '?'}`,
      bytes: `${formatBytes(p.bytesDone)}/${p.bytesTotal ? formatBytes(p.bytesTotal) : '?'}`,
      rate: `${formatBytes(p.bytesDone / secs)}/s`,
    };
    if (!this.bar.isActive) {
      this.bar.start(Math.max(p.bytesTotal, 1), p.bytesDone, payload);
      return;
    }
    this.bar.setTotal(Math.max(p.bytesTotal, p.bytesDone, 1));
    this.bar.update(p.bytesDone, payload);
  }

  /** A phase counter (check): done of total units. */
  step(phase: string, done: number, total: number): void {
    if (!this.bar) return;
    if (!this.bar.isActive) this.bar.start(Math.max(total, 1), done, { files: phase, bytes: `${done}/${total}`, rate: '' });
    this.bar.setTotal(Math.max(total, 1));
    this.bar.update(done, { files: phase, bytes: `${done}/${total}`, rate: '' });
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}
