import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Api, freshPostgres, makeTree, run, snapshotTree, startAgent, startServer, tempDir, type Server } from './harness.js';

const SEED = Number(process.env['E2E_SEED'] ?? 9090);

/**
 * Scale-out with real processes on one PostgreSQL: two control-plane instances (the
 * second without an embedded agent), two standalone agents with separate WEs, each
 * talking to a different instance. Jobs created on one instance run on agents
 * connected to the other and read the same on both; the agents' jobs run at the same
 * time; an agent cannot read the other agent's repository.
 */
test('two control planes on one PostgreSQL serve the same jobs to two agents running at once', { timeout: 240_000 }, async (t) => {
  const tmp = await tempDir('scale');
  const pgdb = await freshPostgres();
  if (!pgdb) { t.skip('PostgreSQL not reachable'); await tmp.cleanup(); return; }
  let s1: Server | undefined;
  let s2: Server | undefined;
  const agents: Array<Awaited<ReturnType<typeof startAgent>>> = [];
  try {
    const rootA = join(tmp.dir, 'a');
    const rootB = join(tmp.dir, 'b');
    await makeTree(join(rootA, 'va'), SEED, { files: 6, bigBytes: 3_000_000 });
    await makeTree(join(rootB, 'vb'), SEED + 1, { files: 6, bigBytes: 3_000_000 });
    s1 = await startServer(join(tmp.dir, 'home1'), { CBS_DATABASE_URL: pgdb.url, CBS_VOLUMES_ROOT: join(tmp.dir, 'local1') });
    // Instances of one store share its key-encryption key and token secret by being given the same files.
    s2 = await startServer(join(tmp.dir, 'home2'), {
      CBS_DATABASE_URL: pgdb.url, CBS_EMBEDDED_AGENT: 'false',
      CBS_KEK_FILE: join(tmp.dir, 'home1', 'kek'), CBS_TOKEN_SECRET_FILE: join(tmp.dir, 'home1', 'token-secret'),
    });
    assert.equal(s2.creds['account-id'], s1.creds['account-id']);
    agents.push(await startAgent(s1, tmp.dir, { wa: rootA }));
    // The second agent's credential is made on instance 1, and it talks to instance 2.
    const a2 = await startAgent(s1, tmp.dir, { wb: rootB });
    await a2.stop();
    const a2b = run(['agent', '--credentials', a2.credentials, '--server', s2.url, '--we', `wb=${rootB}`, '--log-level', 'warn'], {});
    await a2b.waitFor(/agent \S+ serving/);
    agents.push({ ...a2b, credentials: a2.credentials, agentId: a2.agentId });

    const api1 = s1.api;
    // Instance 2 accepts instance 1's token: one token secret, in the file both were given.
    const api2 = new Api(s2.url, s1.creds['account-id'], s1.creds.token, s1.creds['agent-id']);
    const wa = await api1.weByName('wa');
    const wb = await api2.weByName('wb');
    const va = await api1.volumeByName(wa.id, 'va');
    const vb = await api2.volumeByName(wb.id, 'vb');
    await api1.activate(wa.id, 'bucket-a', join(tmp.dir, 'bucket-a'));
    await api2.activate(wb.id, 'bucket-b', join(tmp.dir, 'bucket-b'));

    // Both backups at once; each created on the instance its agent does NOT talk to for wb.
    const [ja, jb] = await Promise.all([
      api2.ok('POST', `/v3/backup/working-environment/${wa.id}/volume/${va['file-system-id']}`, { mode: 'AD_HOC' }),
      api1.ok('POST', `/v3/backup/working-environment/${wb.id}/volume/${vb['file-system-id']}`, { mode: 'AD_HOC' }),
    ]);
    const [ra, rb] = await Promise.all([api1.waitJob(ja['job-id']), api2.waitJob(jb['job-id'])]);
    assert.equal(ra.job[0].status, 'COMPLETED', JSON.stringify(ra));
    assert.equal(rb.job[0].status, 'COMPLETED', JSON.stringify(rb));
    // The same job reads the same on both instances.
    assert.deepEqual(await api1.ok('GET', `/v1/job/${jb['job-id']}`), await api2.ok('GET', `/v1/job/${jb['job-id']}`));
    // They overlapped in time: each started before the other ended.
    const [xa, xb] = [ra.job[0], rb.job[0]];
    assert.ok(xa['start-time'] < xb['end-time'] && xb['start-time'] < xa['end-time'], `no overlap: ${JSON.stringify([xa, xb])}`);

    // Browse through instance 2 answered by agent 1 (connected to instance 1), then restore.
    const snapA = (await api2.ok('GET', `/v1/backup/working-environment/${wa.id}/volume/${va['file-system-id']}/snapshot`)).snapshot[0];
    const listing = await api2.ok('GET', `/v1/sfr/working-environment/${wa.id}/volume/${va['file-system-id']}/snapshot/${snapA.id}/file-explore/list?path=/docs`);
    assert.ok(listing.context.some((e: any) => e.name === 'big.bin'));
    const rv = await api2.ok('POST', '/v3/restore', { restore: {
      type: 'volume',
      source: { 'working-environment-id': wa.id, 'working-environment-name': 'wa', bucket: 'bucket-a', 'volume-name': 'va', 'volume-id': va['file-system-id'], snapshot: snapA.id },
      target: { 'working-environment-id': wa.id, 'working-environment-name': 'wa', svm: 'svm0', 'volume-name': 'va-copy' },
    } });
    assert.equal((await api1.waitJob(rv['job-id'])).job[0].status, 'COMPLETED');
    assert.deepEqual(await snapshotTree(join(rootA, 'va-copy')), await snapshotTree(join(rootA, 'va')));

    // Agent 2 cannot fetch agent 1's repository key.
    const c2 = JSON.parse(await readFile(a2.credentials, 'utf8')) as { agentId: string; agentSecret: string };
    const steal = await fetch(`${s2.url}/agent/v1/working-environments/${wa.id}/repository`, { headers: { 'x-agent-id': c2.agentId, authorization: `Bearer ${c2.agentSecret}` } });
    assert.equal(steal.status, 403);
  } catch (e) {
    process.stderr.write(`seed ${SEED}\ns1:\n${s1?.output() ?? ''}\ns2:\n${s2?.output() ?? ''}\nagents:\n${agents.map((a) => a.output()).join('\n')}\n`);
    throw e;
  } finally {
    for (const a of agents) await a.stop();
    await s2?.stop();
    await s1?.stop();
    await pgdb.cleanup();
    await tmp.cleanup();
  }
});
