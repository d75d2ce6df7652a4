export interface ForEachLimitOptions {
  /** Aborting it stops the run as a failure would (the reason is what rejects). */
  readonly signal?: AbortSignal;
}

/**
 * Calls `fn` for every item with at most `limit` calls in flight, taking items in
 * order. The first failure (or an abort of `opts.signal`) aborts the signal handed to
 * every call, stops the lanes from taking more items, waits for the calls in flight to
 * settle, and rejects with that first failure; later failures are dropped. Resolves
 * once every item is done.
 *
 * @param limit lanes; values below 1 count as 1
 */
export async function forEachLimit<T>(items: Iterable<T>, limit: number,
  fn: (item: T, signal: AbortSignal, index: number) => Promise<void>, opts: ForEachLimitOptions = {}): Promise<void> {
  const ac = new AbortController();
  let failed = false;
  let failure: unknown;
  const fail = (e: unknown): void => {
    if (failed) return;
    failed = true;
    failure = e;
    ac.abort(e);
  };
  const outer = opts.signal;
  const onOuter = (): void => fail(outer!.reason);
  if (outer?.aborted) throw outer.reason;
  outer?.addEventListener('abort', onOuter, { once: true });
  const it = items[Symbol.iterator]();
  let index = 0;
  let exhausted = false;
  const lane = async (): Promise<void> => {
    while (!failed && !exhausted) {
      const r = it.next();
      if (r.done) {
        exhausted = true;
        return;
      }
      try {
        await fn(r.value, ac.signal, index++);
      } catch (e) {
        fail(e);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.floor(limit)) }, lane));
  } finally {
    outer?.removeEventListener('abort', onOuter);
  }
  if (failed) throw failure;
}
