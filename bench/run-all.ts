/**
 * `npm run bench` — every benchmark in turn, each in its own process so one's memory
 * and threads never weigh on the next: the job API (`api-bench`), then the engine
 * next to restic (`engine-bench`), then the engine against the same work through the API
 * and an agent (`e2e-bench`). Environment knobs pass through to all of them.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
let failed = 0;
for (const name of ['api-bench', 'engine-bench', 'e2e-bench']) {
  process.stderr.write(`\n=== ${name} ===\n`);
  const r = spawnSync(process.execPath, [join(here, `${name}.js`)], { stdio: 'inherit' });
  if (r.status !== 0) { failed++; process.stderr.write(`${name} exited with ${r.status ?? r.signal}\n`); }
}
process.exitCode = failed ? 1 : 0;
