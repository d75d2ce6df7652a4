import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { splitIntoBatches } from '../../src/operations/index.js';
import { storeMatrix } from '../../src/store/testing/store-matrix.js';
import type { JobStore } from '../../src/store/job-store.js';
import { apiHarness } from '../helpers/api-harness.js';

const setup = (store: JobStore) => apiHarness(store, { operations: { bucketsRoot: '/tmp/cbs-test-buckets', leaseMs: 60_000 } });

for (const m of storeMatrix()) {
  describe(`backup API and agent protocol (${m.name})`, () => {
    test('agents register with stable ids, claim only their own tasks, and their results become backups', async () => {
      const { store, destroy } = await m.open();
      try {
        const { app, a, b, register, activate, prefix, headers, agentHeaders } = await setup(store);
        const we1 = await register(a, 'site', ['v1', 'v2']);
        const we1again = await register(a, 'site', ['v2', 'v1']);
        assert.equal(we1again.id, we1.id);
        assert.deepEqual(new Set(we1again.volumes.map((v) => v.id)), new Set(we1.volumes.map((v) => v.id)));
        const bad = await app.inject({ method: 'PUT', url: '/agent/v1/working-environments', headers: { ...agentHeaders(a), authorization: 'Bearer nope' }, payload: { workingEnvironments: [] } });
        assert.equal(bad.statusCode, 401);
        await activate(a, we1.id);
        const repo = await app.inject({ method: 'GET', url: `/agent/v1/working-environments/${we1.id}/repository`, headers: agentHeaders(a) });
        assert.equal(repo.json().location, 'local:/tmp/cbs-test-buckets/bucket1');
        assert.equal(Buffer.from(repo.json().key, 'base64').length, 32);
        await register(b, 'other', ['x']);

        const v1 = we1.volumes.find((v) => v.name === 'v1')!;
        const bn = await app.inject({ method: 'POST', url: `${prefix(a.accountId)}/v3/backup/working-environment/${we1.id}/volume/${v1.id}`, headers: headers(a), payload: { mode: 'AD_HOC', 'adhoc-backup-details': { name: 'first' } } });
        assert.equal(bn.statusCode, 202, bn.body);
        // A claim with nothing to do waits for its long-poll before answering null.
        const t0 = Date.now();
        assert.equal((await app.inject({ method: 'POST', url: '/agent/v1/tasks/claim?wait=300', headers: agentHeaders(b) })).json().task, null);
        assert.ok(Date.now() - t0 >= 250, `long-poll returned after ${Date.now() - t0} ms`);
        // B's agent gets nothing; A's agent gets the backup task.
        assert.equal((await app.inject({ method: 'POST', url: '/agent/v1/tasks/claim?wait=0', headers: agentHeaders(b) })).json().task, null);
        const task = (await app.inject({ method: 'POST', url: '/agent/v1/tasks/claim?wait=0', headers: agentHeaders(a) })).json().task;
        assert.equal(task.kind, 'backup-volume');
        assert.deepEqual(task.payload, { weId: we1.id, volumeId: v1.id, volumeName: 'v1', backupName: 'first' });
        const hb = await app.inject({ method: 'POST', url: `/agent/v1/tasks/${task.id}/heartbeat`, headers: agentHeaders(a), payload: { leaseToken: task.leaseToken, progress: { bytesDone: 5, bytesTotal: 10, filesDone: 1, filesTotal: 2 } } });
        assert.equal(hb.statusCode, 200, hb.body);
        const stolen = await app.inject({ method: 'POST', url: `/agent/v1/tasks/${task.id}/complete`, headers: agentHeaders(b), payload: { leaseToken: task.leaseToken, result: {} } });
        assert.equal(stolen.statusCode, 404);
        const c = await app.inject({ method: 'POST', url: `/agent/v1/tasks/${task.id}/complete`, headers: agentHeaders(a), payload: { leaseToken: task.leaseToken, result: { snapshotId: 'ab'.repeat(32), name: 'first', creationTime: 1_700_000_000_000, size: 1234, files: 2, volumeId: v1.id } } });
        assert.equal(c.json().jobStatus, 'COMPLETED');
        const snaps = (await app.inject({ method: 'GET', url: `${prefix(a.accountId)}/v1/backup/working-environment/${we1.id}/volume/${v1.id}/snapshot`, headers: headers(a) })).json().snapshot;
        assert.deepEqual(snaps.map((s: any) => [s.id, s.name, s['creation-time'], s.size]), [['ab'.repeat(32), 'first', 1_700_000_000_000, 1234]]);

        // Tenancy: B sees none of A's WE, volume or backup (404, never 403).
        for (const url of [
          `/v1/working-environment/${we1.id}`, `/v1/working-environment/${we1.id}/volume`,
          `/v1/backup/working-environment/${we1.id}/volume/${v1.id}/snapshot`,
          `/v1/backup/working-environment/${we1.id}/volume/${v1.id}/snapshot/${'ab'.repeat(32)}`,
          `/v1/sfr/working-environment/${we1.id}/volume/${v1.id}/snapshot/${'ab'.repeat(32)}/file-explore/list`,
        ]) {
          const r = await app.inject({ method: 'GET', url: prefix(b.accountId) + url, headers: headers(b) });
          assert.equal(r.statusCode, 404, `${url}: ${r.body}`);
        }
        const otherSnap = await app.inject({ method: 'GET', url: `${prefix(a.accountId)}/v1/backup/working-environment/${we1.id}/volume/${v1.id}/snapshot/${'cd'.repeat(32)}`, headers: headers(a) });
        assert.equal(otherSnap.json().code, 'SNAPSHOT_NOT_FOUND');
        // B's agent cannot read A's repository key.
        const key = await app.inject({ method: 'GET', url: `/agent/v1/working-environments/${we1.id}/repository`, headers: agentHeaders(b) });
        assert.equal(key.statusCode, 404);
      } finally {
        await destroy();
      }
    });

    test('restore requests: 400 naming the field, 409 on an existing volume name, file restores split into batches', async () => {
      const { store, destroy } = await m.open();
      try {
        const { app, a, register, activate, prefix, headers, agentHeaders } = await setup(store);
        const we = await register(a, 'site', ['v1', 'v2']);
        await activate(a, we.id);
        const v1 = we.volumes.find((v) => v.name === 'v1')!;
        await store.recordBackup({ id: 'ef'.repeat(32), accountId: a.accountId, workingEnvironmentId: we.id, volumeId: v1.id, name: 'b1', creationTime: 1, size: 10, jobId: 'j' });
        const source = { 'working-environment-id': we.id, 'working-environment-name': 'site', bucket: 'bucket1', 'volume-name': 'v1', 'volume-id': v1.id, snapshot: 'b1' };
        const target = (name: string) => ({ 'working-environment-id': we.id, 'working-environment-name': 'site', svm: 'svm0', 'volume-name': name, path: '/in' });
        const post = (body: unknown) => app.inject({ method: 'POST', url: `${prefix(a.accountId)}/v3/restore`, headers: headers(a), payload: body as object });

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
        const job = (await app.inject({ method: 'GET', url: `${prefix(a.accountId)}/v1/job/${ok.json()['job-id']}`, headers: headers(a) })).json().job[0];
        assert.equal(job.type, 'restore-file');
        assert.deepEqual(job.data.restore.batch.map((x: any) => x.file.length), [100, 100, 50]);
        assert.equal(job.data.restore.batch[0].file[0].inode, 10);
        assert.deepEqual(job.data.restore.source, { ...source, snapshot: 'ef'.repeat(32) });
        assert.equal(job.data.restore.target.path, '/in');
      } finally {
        await destroy();
      }
    });
    test('viewers cannot start work; browse asks the agent for the page it needs, completes short answers, refuses malformed ones', async () => {
      const { store, destroy } = await m.open();
      try {
        const { app, a, tokens, register, activate, prefix, headers, agentHeaders } = await setup(store);
        const we = await register(a, 'site', ['v1']);
        await activate(a, we.id);
        const v1 = we.volumes[0]!;
        const snap = '12'.repeat(32);
        await store.recordBackup({ id: snap, accountId: a.accountId, workingEnvironmentId: we.id, volumeId: v1.id, name: 'b1', creationTime: 1, size: 10, jobId: 'j' });

        const viewer = { ...a, token: await tokens.sign({ subject: 'v', accounts: [a.accountId], role: 'viewer' }, 60) };
        const operator = { ...a, token: await tokens.sign({ subject: 'o', accounts: [a.accountId], role: 'operator' }, 60) };
        const byViewer = await app.inject({ method: 'POST', url: `${prefix(viewer.accountId)}/v3/backup/working-environment/${we.id}/volume/${v1.id}`, headers: headers(viewer), payload: { mode: 'AD_HOC' } });
        assert.equal(byViewer.statusCode, 403);
        assert.equal(byViewer.json().code, 'ROLE_FORBIDDEN');
        assert.equal((await app.inject({ method: 'POST', url: `${prefix(viewer.accountId)}/v1/restore`, headers: headers(viewer), payload: {} })).statusCode, 400);
        assert.equal((await app.inject({ method: 'POST', url: `${prefix(operator.accountId)}/v3/backup/working-environment/${we.id}/volume/${v1.id}`, headers: headers(operator), payload: { mode: 'AD_HOC' } })).statusCode, 202);
        assert.equal((await app.inject({ method: 'POST', url: `${prefix(operator.accountId)}/v3/backup/working-environment/${we.id}`, headers: headers(operator), payload: { provider: 'LOCAL', bucket: 'bucket2' } })).statusCode, 403);
        assert.equal((await app.inject({ method: 'GET', url: `${prefix(viewer.accountId)}/v1/backup/working-environment/${we.id}/volume/${v1.id}/snapshot`, headers: headers(viewer) })).statusCode, 200);

        const browse = (qs: string) => app.inject({ method: 'GET', url: `${prefix(a.accountId)}/v1/sfr/working-environment/${we.id}/volume/${v1.id}/snapshot/${snap}/file-explore/list${qs}`, headers: headers(a) });
        /** Plays the agent: claims the next call and answers it with what `answer` makes of its payload. */
        const answerNext = async (answer: (payload: any) => unknown): Promise<{ payload: any; status: number }> => {
          for (;;) {
            const r = (await app.inject({ method: 'POST', url: '/agent/v1/calls/claim?wait=200', headers: agentHeaders(a) })).json();
            if (r.calls.length) {
              const c = r.calls[0];
              const ans = await app.inject({ method: 'POST', url: `/agent/v1/calls/${c.id}/answer`, headers: agentHeaders(a), payload: answer(c.payload) as object });
              return { payload: c.payload, status: ans.statusCode };
            }
          }
        };
        const e = (inode: number, name: string, type = 'FILE') => ({ inode, name, type, size: inode * 10, mtime: inode });

        // The call carries the page, its filter and its order; the agent answers that page only, without paths.
        const [res, call] = await Promise.all([browse('?fileType=FILE&sortBy=size&orderBy=DESC&limit=1&page=2'), answerNext(() => ({ result: { entries: [e(1, 'a.txt')], total: 2 } }))]);
        assert.deepEqual(call.payload, { weId: we.id, snapshotId: snap, path: '/', offset: 1, limit: 1, sortBy: 'size', order: 'DESC', fileType: 'FILE' });
        assert.equal(res.statusCode, 200, res.body);
        assert.deepEqual(res.json().context, [{ ...e(1, 'a.txt'), path: '/a.txt' }]);
        assert.deepEqual(res.json().pageConfig, { previous: { page: 1, limit: 1 }, startIndex: 1, endIndex: 2, total: 2 });

        // An agent may answer part of a page (long names keep its answers small): the control plane asks for the rest.
        const calls: any[] = [];
        const [res2] = await Promise.all([browse('?path=/dir&limit=3&name=X'), (async () => {
          calls.push((await answerNext(() => ({ result: { entries: [e(1, 'x1'), e(2, 'x2')], total: 5 } }))).payload);
          calls.push((await answerNext(() => ({ result: { entries: [e(3, 'x3')], total: 5 } }))).payload);
        })()]);
        assert.deepEqual(calls.map((c) => [c.path, c.offset, c.limit, c.nameContains]), [['/dir', 0, 3, 'X'], ['/dir', 2, 1, 'X']]);
        assert.deepEqual(res2.json().context.map((x: any) => x.path), ['/dir/x1', '/dir/x2', '/dir/x3']);
        assert.deepEqual(res2.json().pageConfig, { next: { page: 2, limit: 3 }, startIndex: 0, endIndex: 3, total: 5 });

        // An answer of the wrong shape is refused at the boundary; the browse fails without the agent's internals.
        const [res3, bad] = await Promise.all([browse(''), answerNext(() => ({ result: [e(1, 'a')] }))]);
        assert.equal(bad.status, 400);
        assert.equal(res3.statusCode, 500);
        assert.doesNotMatch(res3.json().message, /expected|entries/);
        // The live list pages too: the call carries the name to start after; next-cursor names it; short answers are completed.
        const live = (qs: string) => app.inject({ method: 'GET', url: `${prefix(a.accountId)}/v1/working-environment/${we.id}/volume/${v1.id}/list${qs}`, headers: headers(a) });
        const liveCalls: any[] = [];
        const [l1] = await Promise.all([live('?path=/d&limit=2'), (async () => {
          liveCalls.push((await answerNext(() => ({ result: { entries: [e(1, 'n1')], total: 5, more: true } }))).payload);
          liveCalls.push((await answerNext(() => ({ result: { entries: [e(2, 'n2')], total: 5, more: true } }))).payload);
        })()]);
        assert.deepEqual(liveCalls.map((c) => [c.volumeName, c.path, c.after, c.limit]), [['v1', '/d', undefined, 2], ['v1', '/d', 'n1', 1]]);
        assert.deepEqual(l1.json().context.map((x: any) => x.name), ['n1', 'n2']);
        assert.equal(l1.json().total, 5);
        const [l2, c2] = await Promise.all([live(`?path=/d&limit=2&cursor=${l1.json()['next-cursor']}`), answerNext(() => ({ result: { entries: [e(3, 'n3')], total: 5, more: false } }))]);
        assert.equal(c2.payload.after, 'n2');
        assert.deepEqual([l2.json().context.length, l2.json()['next-cursor']], [1, undefined]);
        assert.equal((await live('?cursor=not-a-cursor!')).json().code, 'INVALID_CURSOR');

        // Errors the agent gives with a code keep it (a path not in the backup is the caller's mistake).
        const [res4] = await Promise.all([browse('?path=/nope'), answerNext(() => ({ error: { code: 'VALIDATION_FAILED', message: '/nope is not in snapshot 12121212' } }))]);
        assert.equal(res4.statusCode, 400);
        assert.match(res4.json().message, /nope/);
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
