import type { Progress } from '../store/model.js';

/** A job's progress: the sum over its tasks that reported any; undefined when none did. */
export function sumProgress(items: ReadonlyArray<Progress | undefined>): Progress | undefined {
  let sum: Progress | undefined;
  for (const p of items) {
    if (p === undefined) continue;
    sum ??= { bytesDone: 0, bytesTotal: 0, filesDone: 0, filesTotal: 0 };
    sum.bytesDone += p.bytesDone;
    sum.bytesTotal += p.bytesTotal;
    sum.filesDone += p.filesDone;
    sum.filesTotal += p.filesTotal;
  }
  return sum;
}
