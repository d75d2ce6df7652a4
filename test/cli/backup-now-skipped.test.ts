import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openJobStore } from '../../src/store/open.js';
import { apiHarness } from '../helpers/api-harness.js';
import { runCbs } from '../helpers/processes.js';

test('cbs backup now prints how many items could not be read and exits 2 when the backup completed without them', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cbs-skip-'));
  const store = await openJobStore({ url: `sqlite:${join(dir, 'cbs.db')}`, migrate: true });
  const h = await apiHarness(store, { operations: { bucketsRoot: join(dir, 'buckets') } });
  try {
    const we = await h.register(h.a, 'site', ['vol']);
    await h.activate(h.a, we.id);
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
    const cli = runCbs(['backup', 'now', 'vol', '--we', 'site', '--interval', '50',
      '--server', url, '--token', h.a.token, '--account', h.a.accountId, '--agent-id', h.a.agentId, '--credentials', join(dir, 'none.json')]);
    // Play the agent: the backup is written, but two items could not be read.
    let task: any = null;
    while (!task) task = (await h.app.inject({ method: 'POST', url: '/agent/v1/tasks/claim?wait=1000', headers: h.agentHeaders(h.a) })).json().task;
    const done = await h.app.inject({ method: 'POST', url: `/agent/v1/tasks/${task.id}/complete`, headers: h.agentHeaders(h.a), payload: {
      leaseToken: task.leaseToken, result: { snapshotId: 'ab'.repeat(32), creationTime: 1, size: 1, files: 1, skipped: { count: 2, paths: ['/a', '/b'] } },
    } });
    assert.equal(done.json().jobStatus, 'COMPLETED');
    const r = await cli;
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /status\s+COMPLETED/);
    assert.match(r.stdout, /2 items could not be read: \/a, \/b/);
    assert.match(r.stderr, /2 items could not be read and are not in the backup/);
  } finally {
    await h.app.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
