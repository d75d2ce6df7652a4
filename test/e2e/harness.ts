import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { comparableTree, smallTree } from '../../src/testing/trees.js';

/**
 * End-to-end harness: real `cbs serve` and `cbs agent` processes on loopback, driven
 * over HTTP exactly as a client would. Short leases and polls (env) keep the suite fast.
 */
const here = fileURLToPath(new URL('.', import.meta.url));
export const CLI = resolve(here, '../../src/cli/main.js');

/** Lease and sweep settings every e2e server uses; the kill test's bound is derived from them. */
export const E2E_ENV = {
  CBS_TASK_LEASE_MS: '1500',
  CBS_LEASE_SWEEP_MS: '200',
  CBS_AGENT_CLAIM_WAIT_MS: '1000',
  CBS_DISCOVER_INTERVAL_MS: '300',
  CBS_ENGINE_WORKERS: '1',
  CBS_AGENT_CONCURRENCY: '2',
  CBS_LOG_LEVEL: 'warn',
};

export interface Proc {
  child: ChildProcess;
  output(): string;
  /** Resolves with the first stderr line matching re. */
  waitFor(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function run(args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...E2E_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const waiters: Array<{ re: RegExp; resolve: (m: RegExpMatchArray) => void }> = [];
  const onData = (d: Buffer): void => {
    out += d.toString();
    for (const w of [...waiters]) {
      const m = out.match(w.re);
      if (m) { waiters.splice(waiters.indexOf(w), 1); w.resolve(m); }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    output: () => out,
    waitFor(re, ms = 30_000) {
      const m = out.match(re);
      if (m) return Promise.resolve(m);
      return new Promise((resolveP, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out waiting for ${re} in:\n${out}`)), ms);
        const onExit = (): void => { clearTimeout(t); reject(new Error(`process exited before ${re}:\n${out}`)); };
        child.once('exit', onExit);
        waiters.push({ re, resolve: (mm) => { clearTimeout(t); child.off('exit', onExit); resolveP(mm); } });
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

export interface Server extends Proc {
  url: string;
  home: string;
  creds: { server: string; 'account-id': string; token: string; 'agent-id': string };
  api: Api;
}

export async function startServer(home: string, env: Record<string, string> = {}): Promise<Server> {
  const p = run(['serve'], { CBS_HOME: home, CBS_PORT: '0', ...env });
  const m = await p.waitFor(/OpenCBS listening on (\S+)/);
  const creds = JSON.parse(await readFile(join(home, 'credentials.json'), 'utf8')) as Server['creds'];
  const url = m[1]!;
  return { ...p, url, home, creds, api: new Api(url, creds['account-id'], creds.token, creds['agent-id']) };
}

export async function startAgent(server: Server, dir: string, wes: Record<string, string>, env: Record<string, string> = {}): Promise<Proc & { credentials: string; agentId: string }> {
  const credentials = join(dir, `agent-${randomBytes(4).toString('hex')}.json`);
  const c = run(['agent', 'create', '--out', credentials, '--server', server.url, '--token', server.creds.token, '--account', server.creds['account-id'], '--agent-id', server.creds['agent-id']], { CBS_HOME: server.home });
  await new Promise<void>((r) => c.child.once('exit', () => r()));
  if (c.child.exitCode !== 0) throw new Error(`cbs agent create failed:\n${c.output()}`);
  const agentId = (JSON.parse(await readFile(credentials, 'utf8')) as { agentId: string }).agentId;
  const args = ['agent', '--credentials', credentials, '--server', server.url, '--log-level', 'warn'];
  for (const [n, root] of Object.entries(wes)) args.push('--we', `${n}=${root}`);
  const p = run(args, env);
  await p.waitFor(/agent \S+ serving/);
  return { ...p, credentials, agentId };
}

export class Api {
  constructor(readonly url: string, readonly accountId: string, readonly token: string, public agentId: string) {}
  get prefix(): string { return `${this.url}/account/${this.accountId}/providers/cloudmanager_cbs/api`; }

  async req<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
    const res = await fetch(this.prefix + path, {
      method,
      headers: { authorization: `Bearer ${this.token}`, 'x-agent-id': this.agentId, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  async ok<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.req<T>(method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  /** Polls the job until COMPLETED or FAILED; returns the whole response ({job:[…]}). */
  async waitJob(jobId: string, ms = 60_000): Promise<any> {
    const deadline = Date.now() + ms;
    for (;;) {
      const r = await this.ok('GET', `/v1/job/${jobId}`);
      if (r.job[0].status === 'COMPLETED' || r.job[0].status === 'FAILED') return r;
      if (Date.now() > deadline) throw new Error(`job ${jobId} not terminal after ${ms} ms: ${JSON.stringify(r)}`);
      await new Promise((res) => setTimeout(res, 100));
    }
  }

  async weByName(name: string): Promise<any> {
    for (let i = 0; i < 100; i++) {
      const r = await this.ok('GET', '/v1/working-environment');
      const w = r['working-environment'].find((x: any) => x.name === name);
      if (w) return w;
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error(`working environment ${name} never registered`);
  }

  /** The volume once its agent has reported it (discovery is periodic). */
  async volumeByName(weId: string, name: string): Promise<any> {
    for (let i = 0; i < 100; i++) {
      const r = await this.ok('GET', `/v1/working-environment/${weId}/volume`);
      const v = r.volume.find((x: any) => x.name === name && x.status === 'online');
      if (v) return v;
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error(`volume ${name} never reported on ${weId}`);
  }

  async activate(weId: string, bucket: string, path?: string): Promise<void> {
    const r = await this.ok('POST', `/v3/backup/working-environment/${weId}`, { provider: 'LOCAL', bucket, ...(path ? { local: { path } } : {}) });
    const j = await this.waitJob(r['job-id']);
    if (j.job[0].status !== 'COMPLETED') throw new Error(`activation failed: ${JSON.stringify(j)}`);
  }
}

/** A small tree: nested dirs, files of assorted sizes (some empty, one > 1 MiB), a symlink, set mtimes and modes. */
export const makeTree = smallTree;

/** Everything compared after a restore: type, permission bits, owner, size, mtime (ms), content hash, link target. */
export const snapshotTree = comparableTree;

export async function tempDir(tag: string): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `cbs-e2e-${tag}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A fresh PostgreSQL database for one test (dropped by cleanup), from CBS_TEST_DATABASE_URL. */
export async function freshPostgres(): Promise<{ url: string; cleanup(): Promise<void> } | undefined> {
  const base = process.env['CBS_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
  const name = `cbs_e2e_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  try {
    await admin.connect();
  } catch {
    return undefined;
  }
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(base);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async cleanup() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** The stores the e2e suites run on, from E2E_STORES (comma list). @default "sqlite,postgres" */
export function e2eStores(): Array<'sqlite' | 'postgres'> {
  return (process.env['E2E_STORES'] ?? 'sqlite,postgres').split(',').map((s) => s.trim()).filter((s): s is 'sqlite' | 'postgres' => s === 'sqlite' || s === 'postgres');
}
