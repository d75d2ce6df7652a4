/**
 * `npm run bench:e2e` — the cost of the job layer, measured end to end in one run on
 * the same data:
 *
 *  (a) engine   backup and full restore by the bare engine (`engine-child`, its own
 *               process per step, as `npm run bench:engine` runs it);
 *  (b) API      the same through a real `cbs serve` (SQLite, no embedded agent) and a
 *               standalone `cbs agent` owning the working environment: activate (LOCAL),
 *               backup now, poll the job until COMPLETED, restore the volume, poll until
 *               COMPLETED; the restored tree is compared file by file with the source;
 *  (c) polling  `GET …/v1/job/{id}` latency (autocannon, few connections) for the
 *               whole of a first backup of another copy of the data (hard links, in
 *               another working environment with its own bucket), next to the same load
 *               on the idle system for as long.
 *
 * (a) and (b) run in rounds, each on fresh repositories so every backup is a first
 * backup; within a round each step runs on both paths back to back, the order
 * alternating by round, so drift in the machine's load weighs on both alike. The
 * medians and each round's API / engine ratio are printed.
 *
 * Everything runs on loopback in a temp directory that is removed at the end.
 *
 * Environment:
 *   BENCH_SIZE_MB      data-set size in MiB                          @default 256
 *   BENCH_SEED         data-set seed                                 @default 1
 *   BENCH_ROUNDS       rounds of (a) and (b), each on fresh repositories @default 3
 *   BENCH_CONNECTIONS  autocannon connections for (c)                @default 4
 *   BENCH_PROFILE=1    CPU-profile the engine-child steps and the agent, and print where the time goes
 *   BENCH_OUT=FILE     also write the results as JSON
 *   BENCH_KEEP=1       keep the temp directory
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { link, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { CLI, startAgent, startServer, type Api, type Proc, type Server } from '../test/e2e/harness.js';
import { generateDataSet } from './data-gen.js';
import { formatProfile, summarizeProfiles } from './engine-profile.js';
import { openCbsTool } from './engine-tools.js';

const MiB = 1024 * 1024;
/** The longest any one job may take before the run is abandoned. */
const JOB_TIMEOUT_MS = 15 * 60_000;
/** How often the driver polls a job it waits for (the poll granularity bounds the wall-time error). */
const POLL_MS = 25;
/**
 * The production defaults, stated so that the e2e harness's short leases and single
 * engine worker (made for fast tests) do not leak into the measurement.
 */
const SERVICE_ENV: Record<string, string> = {
  CBS_TASK_LEASE_MS: '30000',
  CBS_LEASE_SWEEP_MS: '5000',
  CBS_AGENT_CLAIM_WAIT_MS: '20000',
  CBS_DISCOVER_INTERVAL_MS: '30000',
  CBS_ENGINE_WORKERS: '0',
  CBS_AGENT_CONCURRENCY: '2',
  CBS_LOG_LEVEL: 'warn',
};

const envNum = (name: string, dflt: number): number => {
  const v = Number(process.env[name] ?? dflt);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
  return v;
};

function log(msg: string): void {
  process.stderr.write(`[bench:e2e ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

interface StepRow { round: number; step: 'backup' | 'full restore'; path: 'engine' | 'API + agent'; wallS: number; mibPerS: number; peakRssMiB?: number }
interface JobTiming { step: string; queuedMs: number; runMs: number; observedMs: number }
interface LatencyRow { system: string; durationS: number; requests: number; rps: number; p50: number; p99: number; max: number; errors: number; non2xx: number }

/** sha256 and size of every regular file, by relative path: what "restored bytes equal" compares. */
async function treeDigest(root: string, rel = '', out = new Map<string, string>()): Promise<Map<string, string>> {
  for (const e of await readdir(join(root, rel), { withFileTypes: true })) {
    const r = join(rel, e.name);
    if (e.isDirectory()) await treeDigest(root, r, out);
    else if (e.isFile()) {
      const h = createHash('sha256');
      let size = 0;
      for await (const chunk of createReadStream(join(root, r))) { h.update(chunk as Buffer); size += (chunk as Buffer).length; }
      out.set(r, `${size}:${h.digest('hex')}`);
    }
  }
  return out;
}

async function assertSameTree(what: string, source: Map<string, string>, restoredDir: string): Promise<void> {
  const got = await treeDigest(restoredDir);
  const missing = [...source.keys()].filter((k) => got.get(k) !== source.get(k));
  const extra = [...got.keys()].filter((k) => !source.has(k));
  if (missing.length || extra.length) {
    throw new Error(`${what}: restored tree differs from the source (${missing.length} files missing or different, e.g. ${missing.slice(0, 3).join(', ')}; ${extra.length} extra)`);
  }
}

/** A copy of `from` at `to` made of hard links: the same bytes for a second volume, without writing them again. */
async function linkTree(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const e of await readdir(from, { withFileTypes: true })) {
    if (e.isDirectory()) await linkTree(join(from, e.name), join(to, e.name));
    else if (e.isFile()) await link(join(from, e.name), join(to, e.name));
  }
}

async function peakRssMiB(p: Proc): Promise<number | undefined> {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(await readFile(`/proc/${p.child.pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined; // no /proc (not Linux): the figure is left out
  }
}

/** `cbs agent` under `node --cpu-prof` (one profile per thread, written when it exits on SIGTERM). */
async function startProfiledAgent(server: Server, credentials: string, wes: Record<string, string>, profDir: string): Promise<Proc> {
  const args = ['--cpu-prof', '--cpu-prof-dir', profDir, CLI, 'agent', '--credentials', credentials, '--server', server.url, '--log-level', 'warn'];
  for (const [n, root] of Object.entries(wes)) args.push('--we', `${n}=${root}`);
  const child = spawn(process.execPath, args, { env: { ...process.env, ...SERVICE_ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer): void => { out += d.toString(); if (/agent \S+ serving/.test(out)) resolve(); };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`profiled agent exited with ${code}:\n${out}`)));
  });
  return {
    child, output: () => out,
    waitFor: () => Promise.reject(new Error('not supported on the profiled agent')),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

interface FinishedJob { id: string; wallS: number; doc: any }

/** Starts a job with `start` and polls it until COMPLETED; the wall time is from the request to the first poll that sees it done. */
async function runJob(api: Api, what: string, start: () => Promise<{ 'job-id': string }>, onCreated?: (id: string) => void): Promise<FinishedJob> {
  const t0 = process.hrtime.bigint();
  const id = (await start())['job-id'];
  onCreated?.(id);
  const deadline = Date.now() + JOB_TIMEOUT_MS;
  for (;;) {
    const r = await api.ok('GET', `/v1/job/${id}`);
    const job = r.job[0];
    if (job.status === 'COMPLETED') return { id, wallS: Number(process.hrtime.bigint() - t0) / 1e9, doc: job };
    if (job.status === 'FAILED') throw new Error(`${what} job ${id} failed: ${JSON.stringify(job)}`);
    if (Date.now() > deadline) throw new Error(`${what} job ${id} not done after ${JOB_TIMEOUT_MS} ms: ${JSON.stringify(job)}`);
    await new Promise((res) => setTimeout(res, POLL_MS));
  }
}

const timing = (step: string, j: FinishedJob): JobTiming => ({
  step, queuedMs: j.doc['start-time'] - j.doc.time, runMs: j.doc['end-time'] - j.doc['start-time'], observedMs: j.wallS * 1000,
});

function autocannonOpts(api: Api, jobId: string, connections: number, duration: number): autocannon.Options {
  return {
    url: api.prefix + `/v1/job/${jobId}`, connections, duration,
    headers: { authorization: `Bearer ${api.token}`, 'x-agent-id': api.agentId },
  };
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

/**
 * Load on GET job/{id} until `until` resolves. Latencies are taken from each response
 * as it arrives, not from autocannon's summary, because autocannon only notices
 * stop() on its next one-second tick: its totals would mix in load after the window.
 */
async function loadUntil(system: string, opts: autocannon.Options, until: Promise<unknown>): Promise<LatencyRow> {
  const times: number[] = [];
  let errors = 0;
  let non2xx = 0;
  let open = true;
  const t0 = process.hrtime.bigint();
  let instance!: autocannon.Instance;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(opts, (err: unknown, res) => (err ? reject(err) : resolve(res)));
  });
  instance.on('response', (_client, status, _bytes, ms) => {
    if (!open) return;
    times.push(ms);
    if (status < 200 || status >= 300) non2xx++;
  });
  instance.on('reqError', () => { if (open) errors++; });
  await until;
  open = false;
  const durationS = Number(process.hrtime.bigint() - t0) / 1e9;
  instance.stop();
  await done;
  times.sort((a, b) => a - b);
  return {
    system, durationS, requests: times.length, rps: times.length / durationS,
    p50: quantile(times, 0.5), p99: quantile(times, 0.99), max: times[times.length - 1] ?? NaN, errors, non2xx,
  };
}

/** GET job/{id} under load for exactly as long as the job runs. */
async function pollUnderLoad(api: Api, what: string, start: () => Promise<{ 'job-id': string }>, connections: number): Promise<{ job: FinishedJob; row: LatencyRow }> {
  let jobDone!: () => void;
  const untilDone = new Promise<void>((r) => { jobDone = r; });
  let row: Promise<LatencyRow> | undefined;
  const job = await runJob(api, what, start, (id) => {
    // The duration is only a bound: the load stops when the job is done.
    row = loadUntil('backup running', autocannonOpts(api, id, connections, JOB_TIMEOUT_MS / 1000), untilDone);
  }).finally(() => jobDone());
  return { job, row: await row! };
}

async function main(): Promise<void> {
  const sizeMiB = envNum('BENCH_SIZE_MB', 256);
  const seed = envNum('BENCH_SEED', 1);
  const connections = envNum('BENCH_CONNECTIONS', 4);
  const rounds = envNum('BENCH_ROUNDS', 3);
  const work = await mkdtemp(join(tmpdir(), 'cbs-e2e-bench-'));
  let server: Server | undefined;
  let agent: Proc | undefined;
  let stopping = false;
  try {
    // One working environment per round (each its own repository, so every backup is a
    // first backup) and one for (c), all holding hard links to the same generated bytes.
    const weRoot = (i: number | 'load'): string => join(work, `we-${i}`);
    const vol = join(weRoot(1), 'vol');
    log(`generating ${sizeMiB} MiB data set (seed ${seed}) as volume ${vol}`);
    const gen = await generateDataSet(vol, sizeMiB, seed);
    const dataMiB = gen.bytes / MiB;
    log(`data set: ${gen.files} files, ${dataMiB.toFixed(0)} MiB`);
    for (let i = 2; i <= rounds; i++) await linkTree(vol, join(weRoot(i), 'vol'));
    await linkTree(vol, join(weRoot('load'), 'vol'));
    const source = await treeDigest(vol);

    server = await startServer(join(work, 'home'), { ...SERVICE_ENV, CBS_EMBEDDED_AGENT: 'false' });
    const wes: Record<string, string> = { load: weRoot('load') };
    for (let i = 1; i <= rounds; i++) wes[`r${i}`] = weRoot(i);
    const profDir = process.env['BENCH_PROFILE'] === '1' ? join(work, 'profiles') : undefined;
    const started = await startAgent(server, work, wes, SERVICE_ENV);
    agent = started;
    if (profDir) {
      // Node flags cannot go through the harness: the same agent (credentials, WEs) again, under --cpu-prof.
      await started.stop();
      agent = await startProfiledAgent(server, started.credentials, wes, join(profDir, 'agent'));
    }
    for (const [name, p] of [['server', server], ['agent', agent]] as const) {
      p.child.once('exit', (code, signal) => { if (!stopping) log(`${name} exited during the run (${signal ?? `exit ${code}`})`); });
    }
    const api = server.api;
    const activate = async (name: string): Promise<{ we: any; volume: any; activation: FinishedJob }> => {
      const we = await api.weByName(name);
      const volume = await api.volumeByName(we.id, 'vol');
      const activation = await runJob(api, 'activation', () => api.ok('POST', `/v3/backup/working-environment/${we.id}`, {
        provider: 'LOCAL', bucket: `bucket-${name}`, local: { path: join(work, `bucket-${name}`) },
      }));
      return { we, volume, activation };
    };

    const rows: StepRow[] = [];
    const timings: JobTiming[] = [];
    const measured = async (round: number, step: StepRow['step'], path: StepRow['path'], fn: () => Promise<{ wallS: number; peakRssMiB?: number }>): Promise<void> => {
      // Another step's dirty pages are flushed first, so their write-back is not charged to this one.
      spawnSync('sync');
      log(`round ${round}: ${path} ${step}`);
      const m = await fn();
      const row: StepRow = { round, step, path, wallS: m.wallS, mibPerS: dataMiB / m.wallS, ...(m.peakRssMiB === undefined ? {} : { peakRssMiB: m.peakRssMiB }) };
      rows.push(row);
      log(`  ${row.wallS.toFixed(2)} s, ${row.mibPerS.toFixed(1)} MiB/s`);
    };
    let engineFixedS = 0;
    for (let round = 1; round <= rounds; round++) {
      // (a) the bare engine and (b) the API run each step back to back, the first of the two alternating by round.
      const engine = openCbsTool('engine', `local:${join(work, `repo-engine-${round}`)}`, profDir ? { cpuProfDir: join(profDir, 'engine') } : {});
      await engine.init();
      const { we, volume, activation } = await activate(`r${round}`);
      timings.push(timing(`activation (round ${round})`, activation));
      const volRoot = join(weRoot(round), 'vol');
      const backups = {
        engine: () => measured(round, 'backup', 'engine', () => engine.backup(volRoot)),
        api: () => measured(round, 'backup', 'API + agent', async () => {
          const j = await runJob(api, 'backup', () => api.ok('POST', `/v3/backup/working-environment/${we.id}/volume/${volume['file-system-id']}`, {
            mode: 'AD_HOC', 'adhoc-backup-details': { name: 'bench' },
          }));
          timings.push(timing(`backup (round ${round})`, j));
          return j;
        }),
      };
      const engineTarget = join(work, 'restore-engine');
      const apiTarget = join(weRoot(round), 'vol-restored');
      const restores = {
        engine: () => measured(round, 'full restore', 'engine', () => engine.restore(engineTarget)),
        api: () => measured(round, 'full restore', 'API + agent', async () => {
          const snap = (await api.ok('GET', `/v1/backup/working-environment/${we.id}/volume/${volume['file-system-id']}/snapshot`)).snapshot[0];
          const j = await runJob(api, 'restore', () => api.ok('POST', '/v3/restore', {
            restore: {
              type: 'volume',
              source: { 'working-environment-id': we.id, 'working-environment-name': we.name, bucket: `bucket-r${round}`, 'volume-name': 'vol', 'volume-id': volume['file-system-id'], snapshot: snap.id },
              target: { 'working-environment-id': we.id, 'working-environment-name': we.name, svm: 'svm0', 'volume-name': 'vol-restored' },
            },
          }));
          timings.push(timing(`full restore (round ${round})`, j));
          return j;
        }),
      };
      const order = round % 2 === 1 ? (['engine', 'api'] as const) : (['api', 'engine'] as const);
      for (const k of order) await backups[k]();
      for (const k of order) await restores[k]();
      await assertSameTree(`engine restore (round ${round})`, source, engineTarget);
      await assertSameTree(`API restore (round ${round})`, source, apiTarget);
      await rm(engineTarget, { recursive: true, force: true });
      await rm(apiTarget, { recursive: true, force: true });
      // What every engine-child step pays before its work and a running agent does not: process start, key derivation, open.
      if (round === 1) engineFixedS = (await engine.open()).wallS;
    }

    // (c) Job polling latency while a first backup of the same bytes runs, then idle for as long.
    const load = await activate('load');
    spawnSync('sync');
    log(`polling GET job/{id} with ${connections} connections during a backup`);
    const busy = await pollUnderLoad(api, 'backup under polling', () => api.ok('POST', `/v3/backup/working-environment/${load.we.id}/volume/${load.volume['file-system-id']}`, { mode: 'AD_HOC' }), connections);
    timings.push(timing('backup while polled', busy.job));
    const idleS = Math.max(2, Math.round(busy.row.durationS));
    log(`polling GET job/{id} with ${connections} connections on the idle system for ${idleS} s`);
    const idle = await loadUntil('idle', autocannonOpts(api, busy.job.id, connections, JOB_TIMEOUT_MS / 1000), new Promise((r) => setTimeout(r, idleS * 1000)));
    const latency = [idle, busy.row];
    const failed = latency.filter((r) => r.errors > 0 || r.non2xx > 0);
    if (failed.length) throw new Error(`GET job/{id} failed under load: ${JSON.stringify(failed)}`);

    const rss = { server: await peakRssMiB(server), agent: await peakRssMiB(agent) };
    const meta = { sizeMiB, seed, files: gen.files, dataMiB, rounds, connections, rss, engineFixedS, backupWhilePolledS: busy.job.wallS };
    process.stdout.write(formatReport(rows, timings, latency, meta));
    const out = process.env['BENCH_OUT'];
    if (out) await writeFile(out, JSON.stringify({ date: new Date().toISOString(), ...meta, cpus: cpus().length, rows, timings, latency }, null, 2));
    if (profDir) {
      // The agent writes its profiles when it exits.
      stopping = true;
      await agent.stop();
      process.stdout.write('\n### CPU profile: engine-child, every step of every round (init and open included)\n');
      process.stdout.write(formatProfile(await summarizeProfiles(join(profDir, 'engine'))));
      process.stdout.write('\n### CPU profile: the agent over the whole run (rounds, activations and the polled backup)\n');
      process.stdout.write(formatProfile(await summarizeProfiles(join(profDir, 'agent'))));
    }
  } catch (e) {
    if (server) process.stderr.write(`server output:\n${server.output().slice(-4000)}\n`);
    if (agent) process.stderr.write(`agent output:\n${agent.output().slice(-4000)}\n`);
    throw e;
  } finally {
    stopping = true;
    await agent?.stop();
    await server?.stop();
    if (process.env['BENCH_KEEP'] === '1') log(`kept ${work}`);
    else await rm(work, { recursive: true, force: true });
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function formatReport(rows: StepRow[], timings: JobTiming[], latency: LatencyRow[],
  meta: { files: number; seed: number; dataMiB: number; rounds: number; connections: number; rss: { server?: number | undefined; agent?: number | undefined }; engineFixedS: number; backupWhilePolledS: number }): string {
  const f = (n: number | undefined, d = 1): string => (n === undefined || Number.isNaN(n) ? '–' : n.toFixed(d));
  const pick = (step: StepRow['step'], path: StepRow['path']): StepRow[] => rows.filter((r) => r.step === step && r.path === path);
  const out = [
    `\n## End-to-end benchmark ${new Date().toISOString().slice(0, 10)}: ${f(meta.dataMiB, 0)} MiB, ${meta.files} files, seed ${meta.seed}, ${meta.rounds} rounds, ` +
      `${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, node ${process.version}\n`,
    'Median over the rounds; API / engine is the throughput ratio of each round (below 1: the API path is slower).', '',
    '| step | path | wall s | MiB/s | API / engine by round | median |',
    '|---|---|---:|---:|---|---:|',
  ];
  for (const step of ['backup', 'full restore'] as const) {
    const e = pick(step, 'engine');
    const a = pick(step, 'API + agent');
    const ratios = a.map((r) => r.mibPerS / e.find((x) => x.round === r.round)!.mibPerS);
    out.push(`| ${step} | engine | ${f(median(e.map((r) => r.wallS)), 2)} | ${f(median(e.map((r) => r.mibPerS)))} | | |`);
    out.push(`| ${step} | API + agent | ${f(median(a.map((r) => r.wallS)), 2)} | ${f(median(a.map((r) => r.mibPerS)))} | ${ratios.map((x) => f(x, 2)).join(' / ')} | ${f(median(ratios), 2)} |`);
  }
  out.push('',
    `Peak RSS: engine backup ${f(median(pick('backup', 'engine').map((r) => r.peakRssMiB ?? NaN)), 0)} MiB, engine restore ${f(median(pick('full restore', 'engine').map((r) => r.peakRssMiB ?? NaN)), 0)} MiB (medians); ` +
      `agent process ${f(meta.rss.agent, 0)} MiB and server process ${f(meta.rss.server, 0)} MiB over the whole run. ` +
      `Each engine step includes ${f(meta.engineFixedS, 2)} s of process start, key derivation and open, which the running agent does not pay.`,
    '', 'Every step:', '', '| round | step | path | wall s | MiB/s |', '|---:|---|---|---:|---:|',
    ...rows.map((r) => `| ${r.round} | ${r.step} | ${r.path} | ${f(r.wallS, 2)} | ${f(r.mibPerS)} |`),
    '', 'Jobs as the API reports them (queued = created → claimed, run = claimed → done; observed = POST → first poll that sees COMPLETED):', '',
    '| job | queued ms | run ms | observed ms |', '|---|---:|---:|---:|',
    ...timings.map((t) => `| ${t.step} | ${t.queuedMs} | ${t.runMs} | ${f(t.observedMs, 0)} |`),
    '', `GET …/v1/job/{jobId}, ${meta.connections} connections (autocannon); the busy row lasts exactly one first backup of the same ` +
      `${f(meta.dataMiB, 0)} MiB (${f(meta.backupWhilePolledS, 2)} s while polled; ${f(median(pick('backup', 'API + agent').map((r) => r.wallS)), 2)} s median unpolled):`, '',
    '| system | s | requests | req/s | p50 ms | p99 ms | max ms | errors |', '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...latency.map((r) => `| ${r.system} | ${f(r.durationS)} | ${r.requests} | ${f(r.rps, 0)} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.max)} | ${r.errors + r.non2xx} |`),
  );
  return out.join('\n') + '\n';
}

await main();
