/**
 * `npm run bench:api` — throughput and p99 latency of GET …/v1/job/{jobId} against the
 * real API over a store holding 10k jobs, on SQLite and PostgreSQL, next to a bare
 * Fastify route returning a constant, all measured in this run with autocannon.
 * The server runs in a child process, the load generator here, one core each.
 *
 * Env: BENCH_DURATION (seconds per target, default 10), BENCH_CONNECTIONS (default 32),
 *      BENCH_JOBS (default 10000), BENCH_STORES (default sqlite,postgres).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';

const duration = Number(process.env['BENCH_DURATION'] ?? 10);
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 32);
const jobs = Number(process.env['BENCH_JOBS'] ?? 10_000);
const stores = (process.env['BENCH_STORES'] ?? 'sqlite,postgres').split(',').filter(Boolean);
const serverScript = join(dirname(fileURLToPath(import.meta.url)), 'api-server.js');

interface Ready { port: number; paths: string[]; headers: Record<string, string>; seedMs?: number }
interface Row { target: string; rps: number; p50: number; p99: number; errors: number; non2xx: number }

async function startServer(mode: string): Promise<{ child: ChildProcess; ready: Ready }> {
  const child = spawn(process.execPath, [serverScript, mode, String(jobs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const rl = createInterface({ input: child.stdout! });
  const line = await new Promise<string>((resolve, reject) => {
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`bench server ${mode} exited with ${code}`)));
  });
  return { child, ready: JSON.parse(line) as Ready };
}

async function load(target: string, r: Ready): Promise<Row> {
  const requests = r.paths.map((path) => ({ method: 'GET' as const, path, headers: r.headers }));
  // warm-up, then the measured run
  await autocannon({ url: `http://127.0.0.1:${r.port}`, connections, duration: 2, requests });
  const res = await autocannon({ url: `http://127.0.0.1:${r.port}`, connections, duration, requests });
  return { target, rps: res.requests.average, p50: res.latency.p50, p99: res.latency.p99, errors: res.errors, non2xx: res.non2xx };
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const mode of ['bare', ...stores]) {
    const { child, ready } = await startServer(mode);
    try {
      if (ready.seedMs !== undefined) process.stderr.write(`${mode}: seeded ${jobs} jobs in ${ready.seedMs} ms\n`);
      const row = await load(mode === 'bare' ? 'bare Fastify route' : `GET job/{id} on ${mode}`, ready);
      rows.push(row);
      process.stderr.write(`${row.target}: ${row.rps.toFixed(0)} req/s, p99 ${row.p99} ms\n`);
    } finally {
      child.kill('SIGTERM');
    }
  }
  const bare = rows[0]!;
  console.log(`\nGET …/v1/job/{jobId}: ${jobs} jobs in the store, ${connections} connections, ${duration} s each (autocannon)\n`);
  console.log('| target | req/s | p50 ms | p99 ms | ratio to bare | errors | non-2xx |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.target} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${(r.rps / bare.rps).toFixed(2)} | ${r.errors} | ${r.non2xx} |`);
  }
  const bad = rows.filter((r) => r.errors > 0 || r.non2xx > 0);
  if (bad.length) { console.error(`requests failed on: ${bad.map((r) => r.target).join(', ')}`); process.exitCode = 1; }
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
