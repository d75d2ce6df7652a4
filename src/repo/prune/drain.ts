/**
 * Runs `fn` over the items of `queue`, `limit` at a time; `fn` may push more items
 * while it runs (a tree walk). The first failure stops taking new items and is thrown
 * once the running ones have settled. Items are taken from the end of the queue.
 */
export async function drain<T>(queue: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let active = 0;
  let failure: { e: unknown } | undefined;
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      while (!failure && active < limit && queue.length > 0) {
        const item = queue.pop()!;
        active++;
        fn(item).then(
          () => { active--; pump(); },
          (e: unknown) => { failure ??= { e }; active--; pump(); },
        );
      }
      if (active === 0 && (failure !== undefined || queue.length === 0)) resolve();
    };
    pump();
  });
  if (failure) throw failure.e;
}
