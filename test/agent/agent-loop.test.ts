import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../src/api/index.js';
import { Agent, ProtocolClient, type AgentEngine, type EngineProgress } from '../../src/agent/index.js';
import { hashAgentSecret, HmacTokenService, newAgentId } from '../../src/auth/index.js';
import { AesGcmKeyVault } from '../../src/main/key-vault.js';
import { openJobStore } from '../../src/store/open.js';

/** A controllable engine: backups report progress, then wait until released or aborted. */
class FakeEngine implements AgentEngine {
  aborted: unknown;
  release: (() => void) | undefined;
  #onStart!: () => void;
  started = new Promise<void>((r) => { this.#onStart = r; });
  failWith: string | undefined;
  async init() { return { repositoryId: 'fa'.repeat(32) }; }
  async backup(_r: unknown, o: { signal: AbortSignal; onProgress: (p: EngineProgress) => void }) {
    if (this.failWith) throw new Error(this.failWith);
    o.onProgress({ bytesDone: 3, bytesTotal: 10, filesDone: 1, filesTotal: 4 });
    this.#onStart();
    await new Promise<void>((resolve, reject) => {
      this.release = resolve;
      o.signal.addEventListener('abort', () => { this.aborted = o.signal.reason; reject(new Error('aborted')); }, { once: true });
    });
    return { snapshotId: 'aa'.repeat(32), time: 1_700_000_000_000, size: 10, files: 4 };
  }
  async restore() { return { files: 0, bytes: 0 }; }
  async listDirPage() { return { entries: [], total: 0 }; }
  async exportKey() { return 'key'; }
}

test('agent loop: progress reaches the job by heartbeat; a lost lease or a stalled engine aborts the task; engine errors and payloads that do not fit their kind fail it', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cbs-agent-loop-'));
  const store = await openJobStore({ url: `sqlite:${join(dir, 'cbs.db')}`, migrate: true });
  const tokens = new HmacTokenService(randomBytes(32));
  const app = await buildApp({ store, tokens, keys: new AesGcmKeyVault(randomBytes(32)), operations: { leaseMs: 600, bucketsRoot: join(dir, 'buckets'), maxAttempts: 1, claimPollMs: 20 } });
  const ac = new AbortController();
  let agent: Agent | undefined;
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const accountId = 'account-loop0001';
    await store.createAccount({ id: accountId, name: 'loop' });
    const agentId = newAgentId();
    const agentSecret = randomBytes(16).toString('hex');
    await store.createAgent({ id: agentId, accountId, name: 'a', credentialHash: hashAgentSecret(agentSecret) });
    await mkdir(join(dir, 'root', 'vol'), { recursive: true });
    const engine = new FakeEngine();
    agent = new Agent({
      client: new ProtocolClient({ server: url, accountId, agentId, agentSecret }), engine,
      workingEnvironments: [{ name: 'w', root: join(dir, 'root') }], claimWaitMs: 500, heartbeatMs: 100, discoverIntervalMs: 60_000,
    });
    await agent.start(ac.signal);
    const weId = agent.workingEnvironments.get('w')!;
    const token = await tokens.sign({ subject: 't', accounts: [accountId], role: 'admin' }, 600);
    const h = { authorization: `Bearer ${token}`, 'x-agent-id': agentId, 'content-type': 'application/json' };
    const P = `${url}/account/${accountId}/providers/cloudmanager_cbs/api`;
    const post = async (path: string, body: unknown) => (await fetch(P + path, { method: 'POST', headers: h, body: JSON.stringify(body) })).json() as Promise<any>;
    const job = async (id: string) => ((await (await fetch(`${P}/v1/job/${id}`, { headers: h })).json()) as any).job[0];
    const until = async (id: string, f: (j: any) => boolean) => { for (;;) { const j = await job(id); if (f(j)) return j; await new Promise((r) => setTimeout(r, 20)); } };

    const act = await post(`/v3/backup/working-environment/${weId}`, { provider: 'LOCAL', bucket: 'bucket1' });
    assert.equal((await until(act['job-id'], (j) => j.status !== 'PENDING' && j.status !== 'IN_PROGRESS')).status, 'COMPLETED');
    const volId = (await store.listVolumes(weId))[0]!.id;

    // Progress flows through heartbeats while the engine works.
    const b1 = await post(`/v3/backup/working-environment/${weId}/volume/${volId}`, { mode: 'AD_HOC' });
    await engine.started;
    const running = await until(b1['job-id'], (j) => j.progress?.['bytes-done'] === 3);
    assert.equal(running.status, 'IN_PROGRESS');
    // The lease is taken away (as if the agent had stalled past it): the next heartbeat aborts the engine.
    await store.expireLeases(Date.now() + 60_000);
    await until(b1['job-id'], (j) => j.status === 'FAILED');
    for (let i = 0; i < 200 && engine.aborted === undefined; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(engine.aborted !== undefined, 'engine was not aborted after the lease was lost');

    // A hung engine (ignores its signal, reports nothing new) is aborted and the task failed: no endless IN_PROGRESS.
    const stallAgentStop = new AbortController();
    const hung: AgentEngine = { ...engine, init: engine.init, restore: engine.restore, listDirPage: engine.listDirPage, exportKey: engine.exportKey, backup: () => new Promise(() => undefined) };
    await agent.stop();
    agent = new Agent({
      client: new ProtocolClient({ server: url, accountId, agentId, agentSecret }), engine: hung,
      workingEnvironments: [{ name: 'w', root: join(dir, 'root') }], claimWaitMs: 500, heartbeatMs: 100, discoverIntervalMs: 60_000,
      stallTimeoutMs: 400, stopTimeoutMs: 500,
    });
    await agent.start(stallAgentStop.signal);
    const b3 = await post(`/v3/backup/working-environment/${weId}/volume/${volId}`, { mode: 'AD_HOC' });
    const stalled = await until(b3['job-id'], (j) => j.status === 'FAILED');
    assert.match(stalled.error, /no progress for/);
    await agent.stop();
    agent = new Agent({
      client: new ProtocolClient({ server: url, accountId, agentId, agentSecret }), engine,
      workingEnvironments: [{ name: 'w', root: join(dir, 'root') }], claimWaitMs: 500, heartbeatMs: 100, discoverIntervalMs: 60_000,
    });
    await agent.start(ac.signal);

    // An engine error fails the task with its message.
    engine.failWith = 'disk on fire';
    const b2 = await post(`/v3/backup/working-environment/${weId}/volume/${volId}`, { mode: 'AD_HOC' });
    const failed = await until(b2['job-id'], (j) => j.status === 'FAILED');
    assert.match(failed.error, /disk on fire/);

    // A task whose payload does not fit its kind is failed by the agent before anything runs.
    const bad = await store.createJob({ accountId, workingEnvironmentId: weId, type: 'backup-volume', tasks: [{ agentId, kind: 'backup-volume', payload: { weId, volumeId: volId } }] });
    const refused = await until(bad.id, (j) => j.status === 'FAILED');
    assert.match(refused.error, /payload\.volumeName: expected required property/);
  } finally {
    ac.abort();
    await agent?.stop();
    // Every agent is stopped: cut keep-alive sockets that the stopped clients left behind.
    const closed = app.close();
    app.server.closeAllConnections();
    await closed;
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
