import { EventEmitter } from 'node:events';

/**
 * Wakes long-polling claims of an agent when this instance creates work for it (key: the
 * agent id), and a request waiting for an agent call's answer when the answer reaches
 * this instance (key: operations/agent-calls.ts). What another control-plane instance
 * does is found by the waiter's periodic re-read, so the notifier is a latency
 * shortcut, never the only path.
 */
export class WorkNotifier {
  readonly #e = new EventEmitter();
  constructor() { this.#e.setMaxListeners(0); }

  notify(key: string): void {
    this.#e.emit(key);
  }

  /** Resolves on notify(key), after `ms`, or when the signal aborts: whichever is first. */
  wait(key: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        this.#e.off(key, done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, Math.max(0, ms));
      this.#e.on(key, done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
