/**
 * Child process of `npm run bench:api`: serves either a bare Fastify route that
 * returns a constant job document (`bare`), or the real OpenCBS API over a job store
 * seeded with N jobs (`sqlite` | `postgres`). Prints one JSON line with what the load
 * generator needs, then serves until killed.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { buildApp } from '../src/api/index.js';
import { HmacTokenService, newAgentId } from '../src/auth/index.js';
import { openJobStore } from '../src/store/open.js';
import type { JobStore } from '../src/store/job-store.js';

const mode = process.argv[2] ?? 'bare';
const jobs = Number(process.argv[3] ?? 10_000);
const pgUrl = process.env['CBS_BENCH_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

const SAMPLE = {
  job: [{
    id: '5d6b3c1e-8a7f-4c2b-9d1e-0f3a2b4c5d6e', 'working-environment-id': 'LocalWorkingEnvironment-bench',
    type: 'multi-volume-backup', status: 'COMPLETED', error: '', time: 1764320000000,
    data: { 'multi-volume-backup': { volume: [{ id: 'a3f1c2d4-0000-4000-8000-000000000001', status: 'SUCCESS', error: '' }, { id: 'a3f1c2d4-0000-4000-8000-000000000002', status: 'SUCCESS', error: '' }] } },
  }],
};

async function seed(store: JobStore): Promise<{ accountId: string; agentId: string; token: string; ids: string[] }> {
  const accountId = 'account-BENCH' + randomBytes(2).toString('hex').slice(0, 3).toUpperCase();
  await store.createAccount({ id: accountId, name: 'bench' });
  const agentId = newAgentId();
  await store.createAgent({ id: agentId, accountId, name: 'bench', credentialHash: 'x' });
  const weId = 'LocalWorkingEnvironment-bench';
  await store.upsertWorkingEnvironment({ id: weId, accountId, agentId, name: 'bench', svm: 'svm0', driver: 'local-fs', root: '/tmp' });
  const ids: string[] = [];
  const base = Date.now() - jobs * 1000;
  const batch = 32;
  for (let i = 0; i < jobs; i += batch) {
    const made = await Promise.all(Array.from({ length: Math.min(batch, jobs - i) }, (_, k) => store.createJob({
      accountId, workingEnvironmentId: weId, type: 'multi-volume-backup',
      entries: [{ id: `a3f1c2d4-0000-4000-8000-${String(i + k).padStart(12, '0')}`, kind: 'volume' }, { id: `b3f1c2d4-0000-4000-8000-${String(i + k).padStart(12, '0')}`, kind: 'volume' }],
      tasks: [{ agentId, kind: 'backup-volume', payload: {}, entryIndex: 0 }, { agentId, kind: 'backup-volume', payload: {}, entryIndex: 1 }],
    }, base + (i + k) * 1000)));
    ids.push(...made.map((j) => j.id));
  }
  const tokens = new HmacTokenService(randomBytes(32));
  const token = await tokens.sign({ subject: 'bench', accounts: [accountId], role: 'viewer' }, 3600);
  (globalThis as { __tokens?: HmacTokenService }).__tokens = tokens;
  return { accountId, agentId, token, ids };
}

async function main(): Promise<void> {
  if (mode === 'bare') {
    const app = Fastify({ logger: false });
    app.get('/bare/:id', async () => SAMPLE);
    await app.listen({ host: '127.0.0.1', port: 0 });
    process.stdout.write(JSON.stringify({ port: (app.server.address() as { port: number }).port, paths: ['/bare/5d6b3c1e-8a7f-4c2b-9d1e-0f3a2b4c5d6e'], headers: {} }) + '\n');
    return;
  }
  let store: JobStore;
  if (mode === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'cbs-bench-api-'));
    store = await openJobStore({ url: `sqlite:${join(dir, 'cbs.db')}`, migrate: true });
  } else {
    store = await openJobStore({ url: pgUrl, schema: `bench_${randomBytes(4).toString('hex')}`, migrate: true });
  }
  const t0 = Date.now();
  const s = await seed(store);
  const tokens = (globalThis as { __tokens?: HmacTokenService }).__tokens!;
  const app = await buildApp({ store, tokens });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const prefix = `/account/${s.accountId}/providers/cloudmanager_cbs/api`;
  const step = Math.max(1, Math.floor(s.ids.length / 200));
  const paths = s.ids.filter((_, i) => i % step === 0).map((id) => `${prefix}/v1/job/${id}`);
  process.stdout.write(JSON.stringify({
    port: (app.server.address() as { port: number }).port, paths, seedMs: Date.now() - t0,
    headers: { authorization: `Bearer ${s.token}`, 'x-agent-id': s.agentId },
  }) + '\n');
}

main().catch((e: unknown) => { process.stderr.write(`${(e as Error).stack ?? String(e)}\n`); process.exit(1); });
