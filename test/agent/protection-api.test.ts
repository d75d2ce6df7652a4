import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApp, hashAgentSecret, splitIntoBatches } from '../../src/api/index.js';
import { HmacTokenService, newAgentId } from '../../src/auth/index.js';
import { AesGcmKeyVault } from '../../src/main/key-vault.js';
import { storeMatrix } from '../../src/store/testing/store-matrix.js';
import type { JobStore } from '../../src/store/job-store.js';

interface Tenant { accountId: string; agentId: string; secret: string; token: string }

let n = 0;
async function setup(store: JobStore): Promise<{ app: FastifyInstance; a: Tenant; b: Tenant; tokens: HmacTokenService }> {
  const tokens = new HmacTokenService(randomBytes(32));
  const tag = `${process.pid.toString(36)}${(n++).toString(36)}`.padEnd(6, '0').slice(0, 6);
  const mk = async (l: string): Promise<Tenant> => {
    const accountId = `account-${l}${l}${tag}`;
    await store.createAccount({ id: accountId, name: l });
    const agentId = newAgentId();
    const secret = randomBytes(16).toString('hex');
    await store.createAgent({ id: agentId, accountId, name: l, credentialHash: hashAgentSecret(secret) });
    return { accountId, agentId, secret, token: await tokens.sign({ subject: l, accounts: [accountId], role: 'admin' }, 3600) };
  };
  const a = await mk('A');
  const b = await mk('B');
  const app = await buildApp({ store, tokens, keys: new AesGcmKeyVault(randomBytes(32)), protection: { bucketsRoot: '/tmp/cbs-test-buckets', leaseMs: 60_000 } });
  await app.ready();
  return { app, a, b, tokens };
}

const P = (t: Tenant) => `/account/${t.accountId}/providers/cloudmanager_cbs/api`;
const H = (t: Tenant) => ({ authorization: `Bearer ${t.token}`, 'x-agent-id': t.agentId });
const AH = (t: Tenant) => ({ authorization: `Bearer ${t.secret}`, 'x-agent-id': t.agentId });

async function register(app: FastifyInstance, t: Tenant, we: string, vols: string[]) {
  const r = await app.inject({ method: 'PUT', url: '/agent/v1/working-environments', headers: AH(t), payload: {
    workingEnvironments: [{ name: we, driver: 'local-fs', root: `/srv/${we}`, volumes: vols.map((v) => ({ name: v, allocated: 100, used: 10 })) }],
  } });
  assert.equal(r.statusCode, 200, r.body);
  return r.json().workingEnvironments[0] as { id: string; volumes: Array<{ id: string; name: string }> };
}

/** Activates and plays the agent for the init task. */
async function activate(app: FastifyInstance, t: Tenant, weId: string): Promise<void> {
  const r = await app.inject({ method: 'POST', url: `${P(t)}/v3/backup/working-environment/${weId}`, headers: H(t), payload: { provider: 'LOCAL', bucket: 'bucket1' } });
  assert.equal(r.statusCode, 202, r.body);
  const c = (await app.inject({ method: 'POST', url: '/agent/v1/tasks/claim?wait=0', headers: AH(t) })).json().task;
  assert.equal(c.kind, 'init-repository');
  const repo = await app.inject({ method: 'GET', url: `/agent/v1/working-environments/${weId}/repository`, headers: AH(t) });
  assert.equal(repo.json().location, 'local:/tmp/cbs-test-buckets/bucket1');
  assert.equal(Buffer.from(repo.json().key, 'base64').length, 32);
  const done = await app.inject({ method: 'POST', url: `/agent/v1/tasks/${c.id}/complete`, headers: AH(t), payload: { leaseToken: c.leaseToken, result: { repositoryId: 'r' } } });
  assert.equal(done.json().jobStatus, 'COMPLETED');
}

for (const m of storeMatrix()) {
  describe(`protection API (${m.name})`, () => {
    test('agents register with stable ids, claim only their own tasks, and their results become backups', async () => {
      const { store, destroy } = await m.open();
      try {
        const { app, a, b } = await setup(store);
        const we1 = await register(app, a, 'site', ['v1', 'v2']);
        const we1again = await register(app, a, 'site', ['v2', 'v1']);
        assert.equal(we1again.id, we1.id);
        assert.deepEqual(new Set(we1again.volumes.map((v) => v.id)), new Set(we1.volumes.map((v) => v.id)));
        const bad = await app.inject({ method: 'PUT', url: '/agent/v1/working-environments', headers: { ...AH(a), authorization: 'Bearer nope' }, payload: { workingEnvironments: [] } });
        assert.equal(bad.statusCode, 401);
        await activate(app, a, we1.id);
        await register(app, b, 'other', ['x']);

        const v1 = we1.volumes.find((v) => v.name === 'v1')!;
        const bn = await app.inject({ method: 'POST', url: `${P(a)}/v3/backup/working-environment/${we1.id}/volume/${v1.id}`, headers: H(a), payload: { mode: 'AD_HOC', 'adhoc-backup-details': { name: 'first' } } });
        assert.equal(bn.statusCode, 202, bn.body);
        // A claim with nothing to do waits for its long-poll before answering null.
        const t0 = Date.now();
        assert.equal((await app.inject({ method: 'POST', url: '/agent/v1/tasks/claim?wait=300', headers: AH(b) })).json().task, null);
        assert.ok(Date.now() - t0 >= 250, `long-poll returned after ${Date.now() - t0} ms`);
        // B's agent gets nothing; A's agent gets the backup task.
        assert.equal((await app.inject({ method: 'POST', url: '/agent/v1/tasks/claim?wait=0', headers: AH(b) })).json().task, null);
        const task = (await app.inject({ method: 'POST', url: '/agent/v1/tasks/claim?wait=0', headers: AH(a) })).json().task;
        assert.equal(task.kind, 'backup-volume');
        assert.deepEqual(task.payload, { weId: we1.id, volumeId: v1.id, volumeName: 'v1', backupName: 'first' });
        const hb = await app.inject({ method: 'POST', url: `/agent/v1/tasks/${task.id}/heartbeat`, headers: AH(a), payload: { leaseToken: task.leaseToken, progress: { bytesDone: 5, bytesTotal: 10, filesDone: 1, filesTotal: 2 } } });
        assert.equal(hb.statusCode, 200, hb.body);
        const stolen = await app.inject({ method: 'POST', url: `/agent/v1/tasks/${task.id}/complete`, headers: AH(b), payload: { leaseToken: task.leaseToken, result: {} } });
        assert.equal(stolen.statusCode, 404);
        const c = await app.inject({ method: 'POST', url: `/agent/v1/tasks/${task.id}/complete`, headers: AH(a), payload: { leaseToken: task.leaseToken, result: { snapshotId: 'ab'.repeat(32), name: 'first', creationTime: 1_700_000_000_000, size: 1234, files: 2, volumeId: v1.id } } });
        assert.equal(c.json().jobStatus, 'COMPLETED');
        const snaps = (await app.inject({ method: 'GET', url: `${P(a)}/v1/backup/working-environment/${we1.id}/volume/${v1.id}/snapshot`, headers: H(a) })).json().snapshot;
        assert.deepEqual(snaps.map((s: any) => [s.id, s.name, s['creation-time'], s.size]), [['ab'.repeat(32), 'first', 1_700_000_000_000, 1234]]);

        // Tenancy: B sees none of A's WE, volume or backup (404, never 403).
        for (const url of [
          `/v1/working-environment/${we1.id}`, `/v1/working-environment/${we1.id}/volume`,
          `/v1/backup/working-environment/${we1.id}/volume/${v1.id}/snapshot`,
          `/v1/backup/working-environment/${we1.id}/volume/${v1.id}/snapshot/${'ab'.repeat(32)}`,
          `/v1/sfr/working-environment/${we1.id}/volume/${v1.id}/snapshot/${'ab'.repeat(32)}/file-explore/list`,
        ]) {
          const r = await app.inject({ method: 'GET', url: P(b) + url, headers: H(b) });
          assert.equal(r.statusCode, 404, `${url}: ${r.body}`);
        }
        const otherSnap = await app.inject({ method: 'GET', url: `${P(a)}/v1/backup/working-environment/${we1.id}/volume/${v1.id}/snapshot/${'cd'.repeat(32)}`, headers: H(a) });
        assert.equal(otherSnap.json().code, 'SNAPSHOT_NOT_FOUND');
        // B's agent cannot read A's repository key.
        const key = await app.inject({ method: 'GET', url: `/agent/v1/working-environments/${we1.id}/repository`, headers: AH(b) });
        assert.equal(key.statusCode, 404);
      } finally {
        await destroy();
      }
    });

    test('restore requests: 400 naming the field, 409 on an existing volume name, file restores split into batches', async () => {
      const { store, destroy } = await m.open();
      try {
        const { app, a } = await setup(store);
        const we = await register(app, a, 'site', ['v1', 'v2']);
        await activate(app, a, we.id);
        const v1 = we.volumes.find((v) => v.name === 'v1')!;
        await store.recordBackup({ id: 'ef'.repeat(32), accountId: a.accountId, workingEnvironmentId: we.id, volumeId: v1.id, name: 'b1', creationTime: 1, size: 10, jobId: 'j' });
        const source = { 'working-environment-id': we.id, 'working-environment-name': 'site', bucket: 'bucket1', 'volume-name': 'v1', 'volume-id': v1.id, snapshot: 'b1' };
        const target = (name: string) => ({ 'working-environment-id': we.id, 'working-environment-name': 'site', svm: 'svm0', 'volume-name': name, path: '/in' });
        const post = (body: unknown) => app.inject({ method: 'POST', url: `${P(a)}/v3/restore`, headers: H(a), payload: body as object });

        const missing = await post({ restore: { type: 'volume', source: { ...source, snapshot: undefined }, target: target('new') } });
        assert.equal(missing.statusCode, 400);
        assert.match(missing.json().message, /restore\.source\.snapshot/);
        const typ = await post({ restore: { type: 'everything', source, target: target('new') } });
        assert.match(typ.json().message, /restore\.type/);
        const extra = await post({ restore: { type: 'volume', source, target: { ...target('new'), color: 'red' } } });
        assert.match(extra.json().message, /restore\.target\.color/);
        const dot = await post({ restore: { type: 'file', source, target: target('v2'), file: [{ inode: 1, path: '/a/../../etc', type: 'FILE', size: 1, mtime: 1 }] } });
        assert.match(dot.json().message, /restore\.file\.0\.path/);
        assert.equal((await post({ restore: { type: 'volume', source, target: target('v2') } })).statusCode, 409);
        assert.equal((await post({ restore: { type: 'file', source, target: target('nope'), file: [{ inode: 1, path: '/a', type: 'FILE', size: 1, mtime: 1 }] } })).statusCode, 404);
        assert.equal((await post({ restore: { type: 'volume', source: { ...source, snapshot: 'nope' }, target: target('new') } })).json().code, 'SNAPSHOT_NOT_FOUND');

        const files = Array.from({ length: 250 }, (_, i) => ({ inode: String(i + 10), path: `/d/f${i}`, type: 'FILE', size: 100, mtime: 1_700_000_000_000 }));
        const ok = await post({ restore: { type: 'file', source, target: target('v2'), file: files } });
        assert.equal(ok.statusCode, 202, ok.body);
        const job = (await app.inject({ method: 'GET', url: `${P(a)}/v1/job/${ok.json()['job-id']}`, headers: H(a) })).json().job[0];
        assert.equal(job.type, 'restore-file');
        assert.deepEqual(job.data.restore.batch.map((x: any) => x.file.length), [100, 100, 50]);
        assert.equal(job.data.restore.batch[0].file[0].inode, 10);
        assert.deepEqual(job.data.restore.source, { ...source, snapshot: 'ef'.repeat(32) });
        assert.equal(job.data.restore.target.path, '/in');
      } finally {
        await destroy();
      }
    });
    test('viewers cannot start work; browse is answered by the agent through a call, then filtered, sorted and paged', async () => {
      const { store, destroy } = await m.open();
      try {
        const { app, a, tokens } = await setup(store);
        const we = await register(app, a, 'site', ['v1']);
        await activate(app, a, we.id);
        const v1 = we.volumes[0]!;
        const snap = '12'.repeat(32);
        await store.recordBackup({ id: snap, accountId: a.accountId, workingEnvironmentId: we.id, volumeId: v1.id, name: 'b1', creationTime: 1, size: 10, jobId: 'j' });

        const viewer = { ...a, token: await tokens.sign({ subject: 'v', accounts: [a.accountId], role: 'viewer' }, 60) };
        const operator = { ...a, token: await tokens.sign({ subject: 'o', accounts: [a.accountId], role: 'operator' }, 60) };
        const byViewer = await app.inject({ method: 'POST', url: `${P(viewer)}/v3/backup/working-environment/${we.id}/volume/${v1.id}`, headers: H(viewer), payload: { mode: 'AD_HOC' } });
        assert.equal(byViewer.statusCode, 403);
        assert.equal(byViewer.json().code, 'ROLE_FORBIDDEN');
        assert.equal((await app.inject({ method: 'POST', url: `${P(viewer)}/v1/restore`, headers: H(viewer), payload: {} })).statusCode, 400);
        assert.equal((await app.inject({ method: 'POST', url: `${P(operator)}/v3/backup/working-environment/${we.id}/volume/${v1.id}`, headers: H(operator), payload: { mode: 'AD_HOC' } })).statusCode, 202);
        assert.equal((await app.inject({ method: 'POST', url: `${P(operator)}/v3/backup/working-environment/${we.id}`, headers: H(operator), payload: { provider: 'LOCAL', bucket: 'bucket2' } })).statusCode, 403);
        assert.equal((await app.inject({ method: 'GET', url: `${P(viewer)}/v1/backup/working-environment/${we.id}/volume/${v1.id}/snapshot`, headers: H(viewer) })).statusCode, 200);

        const entries = [
          { inode: 3, name: 'b.txt', path: '/b.txt', type: 'FILE', size: 30, mtime: 3 },
          { inode: 1, name: 'a.txt', path: '/a.txt', type: 'FILE', size: 10, mtime: 9 },
          { inode: 2, name: 'dir', path: '/dir', type: 'DIRECTORY', size: 0, mtime: 5 },
        ];
        const browse = (qs: string) => app.inject({ method: 'GET', url: `${P(a)}/v1/sfr/working-environment/${we.id}/volume/${v1.id}/snapshot/${snap}/file-explore/list${qs}`, headers: H(a) });
        const answerOne = async (): Promise<Record<string, unknown>> => {
          for (;;) {
            const r = (await app.inject({ method: 'POST', url: '/agent/v1/calls/claim?wait=200', headers: AH(a) })).json();
            if (r.calls.length) {
              const c = r.calls[0];
              const ans = await app.inject({ method: 'POST', url: `/agent/v1/calls/${c.id}/answer`, headers: AH(a), payload: { result: entries } });
              assert.equal(ans.statusCode, 204);
              return c.payload;
            }
          }
        };
        const [res, payload] = await Promise.all([browse('?fileType=FILE&sortBy=size&orderBy=DESC&limit=1&page=2'), answerOne()]);
        assert.deepEqual(payload, { weId: we.id, snapshotId: snap, path: '/' });
        assert.equal(res.statusCode, 200, res.body);
        assert.deepEqual(res.json().context.map((e: any) => e.name), ['a.txt']);
        assert.deepEqual(res.json().pageConfig, { previous: { page: 1, limit: 1 }, startIndex: 1, endIndex: 2, total: 2 });
        const [res2] = await Promise.all([browse('?name=DI'), answerOne()]);
        assert.deepEqual(res2.json().context.map((e: any) => e.name), ['dir']);
      } finally {
        await destroy();
      }
    });
  });
}

test('batches close at 100 files or before passing 1 GiB; a larger file is a batch of its own', () => {
  const G = 1024 ** 3;
  assert.deepEqual(splitIntoBatches([{ size: 1 }, { size: 2 }], 100).map((b) => b.length), [2]);
  assert.deepEqual(splitIntoBatches([{ size: G / 2 }, { size: G / 2 }, { size: 1 }]).map((b) => b.length), [2, 1]);
  assert.deepEqual(splitIntoBatches([{ size: 2 * G }, { size: 1 }]).map((b) => b.length), [1, 1]);
  assert.deepEqual(splitIntoBatches([]), []);
});
