import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { check, openRepository } from '../../src/repo/index.js';
import { openBackend } from '../../src/storage/index.js';
import { assertSeedShape } from '../helpers/seed-schema.js';
import { E2E_ENV, makeTree, run, snapshotTree, startAgent, startServer, tempDir, type Server } from './harness.js';

const SEED = Number(process.env['E2E_SEED'] ?? 777);

/**
 * Honest failures with real processes (SQLite, no embedded agent, one standalone agent):
 * a volume that disappeared fails its own entry and names itself in the job error while
 * the others succeed and restore; a wrong x-agent-id or agent secret is refused; a
 * SIGKILLed agent's task fails by lease expiry within lease + sweep (tasks get one
 * attempt here: CBS_TASK_MAX_ATTEMPTS=1), the repository checks clean and the next
 * backup succeeds.
 */
test('missing volume, wrong agent identity, and a SIGKILLed agent all end in honest terminal states', { timeout: 240_000 }, async () => {
  const tmp = await tempDir('fail');
  let server: Server | undefined;
  let agent: Awaited<ReturnType<typeof startAgent>> | undefined;
  let agent2: ReturnType<typeof run> | undefined;
  try {
    const root = join(tmp.dir, 'site');
    for (const [i, v] of ['ok1', 'gone', 'ok2'].entries()) await makeTree(join(root, v), SEED + i, { files: 4, bigBytes: 50_000 });
    // Incompressible data, large enough that the backup is still running when the agent is killed.
    await mkdir(join(root, 'large'), { recursive: true });
    for (let i = 0; i < 6; i++) await writeFile(join(root, 'large', `r${i}.bin`), randomBytes(20 * 1024 * 1024));
    server = await startServer(join(tmp.dir, 'home'), { CBS_EMBEDDED_AGENT: 'false', CBS_TASK_MAX_ATTEMPTS: '1' });
    agent = await startAgent(server, tmp.dir, { site: root });
    const api = server.api;
    const we = await api.weByName('site');
    const [ok1, gone, ok2, large] = await Promise.all(['ok1', 'gone', 'ok2', 'large'].map((n) => api.volumeByName(we.id, n)));
    await api.activate(we.id, 'bucket-fail', join(tmp.dir, 'bucket'));

    // A volume removed after discovery: its entry FAILED naming why, the job FAILED naming it.
    const okSource = await snapshotTree(join(root, 'ok1'));
    await rm(join(root, 'gone'), { recursive: true });
    const mv = await api.ok('POST', `/v2/backup/working-environment/${we.id}/volume`, { volume: [ok1, gone, ok2].map((v) => ({ 'volume-id': v['file-system-id'] })) });
    const mvJob = await api.waitJob(mv['job-id']);
    assertSeedShape(mvJob);
    const j = mvJob.job[0];
    assert.equal(j.status, 'FAILED');
    assert.match(j.error, /gone/);
    const entries = j.data['multi-volume-backup'].volume;
    assert.deepEqual(entries.map((e: any) => e.status), ['SUCCESS', 'FAILED', 'SUCCESS']);
    assert.match(entries[1].error, /volume "gone" cannot be read/);
    assert.equal(entries[0].error, '');
    const snap1 = (await api.ok('GET', `/v1/backup/working-environment/${we.id}/volume/${ok1['file-system-id']}/snapshot`)).snapshot[0];
    assert.equal(snap1.id, entries[0]['snapshot-id']);
    const rv = await api.ok('POST', '/v3/restore', { restore: {
      type: 'volume',
      source: { 'working-environment-id': we.id, 'working-environment-name': 'site', bucket: 'bucket-fail', 'volume-name': 'ok1', 'volume-id': ok1['file-system-id'], snapshot: snap1.id },
      target: { 'working-environment-id': we.id, 'working-environment-name': 'site', svm: 'svm0', 'volume-name': 'ok1-back' },
    } });
    assert.equal((await api.waitJob(rv['job-id'])).job[0].status, 'COMPLETED');
    assert.deepEqual(await snapshotTree(join(root, 'ok1-back')), okSource);

    // Identity: an unknown x-agent-id on the BlueXP API, a wrong secret on the agent protocol.
    const wrongAgent = await api.req('GET', `/v1/job/${mv['job-id']}`, undefined, { 'x-agent-id': 'NotAnAgentOfThisAccount0000000000clients' });
    assert.equal(wrongAgent.status, 403);
    assert.equal(wrongAgent.body.code, 'AGENT_FORBIDDEN');
    const creds = JSON.parse(await readFile(agent.credentials, 'utf8')) as { agentId: string; agentSecret: string };
    const badSecret = await fetch(`${server.url}/agent/v1/tasks/claim?wait=0`, { method: 'POST', headers: { 'x-agent-id': creds.agentId, authorization: 'Bearer wrong-secret' } });
    assert.equal(badSecret.status, 401);

    // SIGKILL mid-backup: the lease expires, the task (one attempt) fails, the job is FAILED with the reason.
    const bk = await api.ok('POST', `/v3/backup/working-environment/${we.id}/volume/${large['file-system-id']}`, { mode: 'AD_HOC' });
    for (;;) {
      const s = (await api.ok('GET', `/v1/job/${bk['job-id']}`)).job[0];
      if (s.status === 'IN_PROGRESS' && (s.progress?.['bytes-done'] ?? 0) > 0) break;
      assert.equal(s.status === 'COMPLETED' || s.status === 'FAILED', false, `backup ended before the kill: ${JSON.stringify(s)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await agent.stop('SIGKILL');
    const killedAt = Date.now();
    const bound = Number(E2E_ENV.CBS_TASK_LEASE_MS) + Number(E2E_ENV.CBS_LEASE_SWEEP_MS) + 3000;
    const killed = await api.waitJob(bk['job-id'], bound);
    assert.ok(Date.now() - killedAt <= bound, `terminal after ${Date.now() - killedAt} ms`);
    assert.equal(killed.job[0].status, 'FAILED');
    assert.match(killed.job[0].error, /lease expired/);
    assertSeedShape(killed);

    // The repository is consistent (the interrupted backup left at most unreferenced packs).
    const repoInfo = await (await fetch(`${server.url}/agent/v1/working-environments/${we.id}/repository`, { headers: { 'x-agent-id': creds.agentId, authorization: `Bearer ${creds.agentSecret}` } })).json() as { location: string; key: string };
    const backend = await openBackend(repoInfo.location);
    try {
      const repo = await openRepository(backend, { kek: Buffer.from(repoInfo.key, 'base64') });
      const c = await check(repo);
      assert.equal(c.ok, true, JSON.stringify(c.errors));
    } finally {
      await backend.close();
    }

    // The agent comes back (same credentials): the next backup of the same volume succeeds.
    agent2 = run(['agent', '--credentials', agent.credentials, '--server', server.url, '--we', `site=${root}`, '--log-level', 'warn'], {});
    await agent2.waitFor(/agent \S+ serving/);
    const next = await api.waitJob((await api.ok('POST', `/v3/backup/working-environment/${we.id}/volume/${large['file-system-id']}`, { mode: 'AD_HOC' }))['job-id'], 120_000);
    assert.equal(next.job[0].status, 'COMPLETED', JSON.stringify(next));
  } catch (e) {
    process.stderr.write(`seed ${SEED}\nserver output:\n${server?.output() ?? ''}\nagent output:\n${agent?.output() ?? ''}${agent2?.output() ?? ''}\n`);
    throw e;
  } finally {
    await agent2?.stop();
    await agent?.stop();
    await server?.stop();
    await tmp.cleanup();
  }
});

/**
 * The retry rule: with attempts left (default CBS_TASK_MAX_ATTEMPTS=2), a killed agent's
 * task goes back to PENDING when its lease expires and the agent, once restarted, runs
 * it again; the job then completes and its backup restores.
 */
test('a backup interrupted by SIGKILL is retried by the restarted agent and completes', { timeout: 240_000 }, async () => {
  const tmp = await tempDir('retry');
  let server: Server | undefined;
  let agent: Awaited<ReturnType<typeof startAgent>> | undefined;
  let again: ReturnType<typeof run> | undefined;
  try {
    const root = join(tmp.dir, 'site');
    await mkdir(join(root, 'large'), { recursive: true });
    for (let i = 0; i < 6; i++) await writeFile(join(root, 'large', `r${i}.bin`), randomBytes(20 * 1024 * 1024));
    server = await startServer(join(tmp.dir, 'home'), { CBS_EMBEDDED_AGENT: 'false' });
    agent = await startAgent(server, tmp.dir, { site: root });
    const api = server.api;
    const we = await api.weByName('site');
    const large = await api.volumeByName(we.id, 'large');
    await api.activate(we.id, 'bucket-retry', join(tmp.dir, 'bucket'));
    const bk = await api.ok('POST', `/v3/backup/working-environment/${we.id}/volume/${large['file-system-id']}`, { mode: 'AD_HOC' });
    for (;;) {
      const s = (await api.ok('GET', `/v1/job/${bk['job-id']}`)).job[0];
      if (s.status === 'IN_PROGRESS' && (s.progress?.['bytes-done'] ?? 0) > 0) break;
      assert.equal(s.status === 'COMPLETED' || s.status === 'FAILED', false, `backup ended before the kill: ${JSON.stringify(s)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await agent.stop('SIGKILL');
    // Past the lease and a sweep, the task waits for another attempt; the job is not failed.
    await new Promise((r) => setTimeout(r, Number(E2E_ENV.CBS_TASK_LEASE_MS) + 3 * Number(E2E_ENV.CBS_LEASE_SWEEP_MS)));
    assert.equal((await api.ok('GET', `/v1/job/${bk['job-id']}`)).job[0].status, 'IN_PROGRESS');
    again = run(['agent', '--credentials', agent.credentials, '--server', server.url, '--we', `site=${root}`, '--log-level', 'warn'], {});
    await again.waitFor(/agent \S+ serving/);
    const done = await api.waitJob(bk['job-id'], 120_000);
    assert.equal(done.job[0].status, 'COMPLETED', JSON.stringify(done));
    assert.equal(done.job[0].error, '');
    const snap = (await api.ok('GET', `/v1/backup/working-environment/${we.id}/volume/${large['file-system-id']}/snapshot`)).snapshot;
    assert.equal(snap.length, 1);
    const rv = await api.ok('POST', '/v3/restore', { restore: {
      type: 'volume',
      source: { 'working-environment-id': we.id, 'working-environment-name': 'site', bucket: 'bucket-retry', 'volume-name': 'large', 'volume-id': large['file-system-id'], snapshot: snap[0].id },
      target: { 'working-environment-id': we.id, 'working-environment-name': 'site', svm: 'svm0', 'volume-name': 'large-back' },
    } });
    assert.equal((await api.waitJob(rv['job-id'], 120_000)).job[0].status, 'COMPLETED');
    assert.deepEqual(await snapshotTree(join(root, 'large-back')), await snapshotTree(join(root, 'large')));
  } catch (e) {
    process.stderr.write(`server output:\n${server?.output() ?? ''}\nagent output:\n${agent?.output() ?? ''}${again?.output() ?? ''}\n`);
    throw e;
  } finally {
    await again?.stop();
    await agent?.stop();
    await server?.stop();
    await tmp.cleanup();
  }
});
