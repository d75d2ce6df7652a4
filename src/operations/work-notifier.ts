import { EventEmitter } from 'node:events';

/**
 * Wakes long-polling claims of an agent when this instance creates work for it. Work
 * created by another control-plane instance is found by the claim's periodic re-read,
 * so the notifier is a latency shortcut, never the only path.
 */
export class WorkNotifier {
  readonly #e = new EventEmitter();
  constructor() { this.#e.setMaxListeners(0); }

  notify(agentId: string): void {
    this.#e.emit(agentId);
  }

  /** Resolves on notify(agentId), after `ms`, or when the signal aborts: whichever is first. */
  wait(agentId: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        this.#e.off(agentId, done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, Math.max(0, ms));
      this.#e.on(agentId, done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
