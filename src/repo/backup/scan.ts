import { lstatSync, readdirSync } from 'node:fs';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { BackupProgress } from './progress.js';

const SLASH = Buffer.from('/');

/**
 * Counts files and bytes ahead of the backup so progress has totals. Runs alongside
 * the backup (yielding between directories); errors are ignored here because the
 * backup itself reports them. Paths are bytes, as in the walk.
 */
export async function scanTotals(dir: Buffer, p: BackupProgress, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return;
  let names: string[];
  try {
    names = readdirSync(dir, { encoding: 'latin1' });
  } catch {
    return;
  }
  await yieldToLoop();
  for (const name of names) {
    const path = Buffer.concat([dir, SLASH, Buffer.from(name, 'latin1')]);
    try {
      const st = lstatSync(path);
      if (st.isDirectory()) await scanTotals(path, p, signal);
      else if (st.isFile()) {
        p.filesTotal++;
        p.bytesTotal += st.size;
      }
    } catch {
      // reported by the backup walk
    }
  }
}
