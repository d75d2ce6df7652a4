import { lstatSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackupProgress } from './progress.js';

/**
 * Counts files and bytes ahead of the backup so progress has totals. Runs alongside
 * the backup; errors are ignored here because the backup itself reports them.
 */
export async function scanTotals(dir: string, p: BackupProgress, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const path = join(dir, name);
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
