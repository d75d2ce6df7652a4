import type { JobStore } from '../store/job-store.js';
import { DEFAULTS } from '../config/defaults.js';

export interface LeaseSweeperOptions {
  /** @default DEFAULTS.leaseSweepIntervalMs */
  intervalMs?: number;
  /** A sweep failed (store unavailable, …); the next sweep tries again. Required so failures reach the log. */
  onError: (e: unknown) => void;
  /** Tasks were given back or failed. */
  onExpired?: (count: number) => void;
}

/**
 * Runs store.expireLeases() periodically so that a job whose agent died never stays
 * IN_PROGRESS. Several control-plane instances may each run one: expiry is idempotent.
 */
export class LeaseSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly store: Pick<JobStore, 'expireLeases'>, private readonly o: LeaseSweeperOptions) {}

  start(signal?: AbortSignal): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => { void this.sweep(); }, this.o.intervalMs ?? DEFAULTS.leaseSweepIntervalMs);
    this.timer.unref();
    signal?.addEventListener('abort', () => { void this.stop(); }, { once: true });
  }

  /** One sweep now; concurrent calls share the sweep in flight. */
  sweep(now?: number): Promise<void> {
    this.running ??= (async () => {
      try {
        const n = await this.store.expireLeases(now);
        if (n > 0) this.o.onExpired?.(n);
      } catch (e) {
        this.o.onError(e);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
