import type { JobJson } from '../api/index.js';
import type { ApiClient } from './client.js';
import { formatBytes } from './output.js';

/**
 * Polls GET …/v1/job/{id} until the job is terminal. On a terminal, shows a one-line
 * live status with progress; with json, stays quiet.
 */
export async function watchJob(client: ApiClient, jobId: string, o: { intervalMs: number; json: boolean }): Promise<JobJson> {
  const tty = process.stderr.isTTY && !o.json;
  let last = '';
  for (;;) {
    const res = await client.get<{ job: JobJson[] }>(`/v1/job/${encodeURIComponent(jobId)}`);
    const j = res.job[0]!;
    if (!o.json) {
      const p = j.progress;
      const pct = p && p['bytes-total'] > 0 ? ` ${Math.floor((100 * p['bytes-done']) / p['bytes-total'])}% (${formatBytes(p['bytes-done'])} / ${formatBytes(p['bytes-total'])}, ${p['files-done']}/${p['files-total']} files)` : '';
      const line = `${j.status}${pct}`;
      if (line !== last) {
        process.stderr.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
        last = line;
      }
    }
    if (j.status === 'COMPLETED' || j.status === 'FAILED') {
      if (tty) process.stderr.write('\n');
      return j;
    }
    await new Promise((r) => setTimeout(r, Math.max(50, o.intervalMs)));
  }
}
