import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { openJobStore } from '../../src/store/open.js';
import type { JobStore } from '../../src/store/job-store.js';
import { CBS_BIN, runCbs, startServeProcess, type ServerProcess } from '../helpers/processes.js';
import { assertSeedShape } from '../helpers/seed-schema.js';

describe('cbs serve, token and job commands against a real server process (SQLite)', () => {
  let home: string;
  let server: ServerProcess;
  let creds: { server: string; 'account-id': string; token: string; 'agent-id': string };
  let store: JobStore;

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'cbs-cli-'));
    server = await startServeProcess(['--home', home]);
    creds = JSON.parse(await readFile(join(home, 'credentials.json'), 'utf8'));
    store = await openJobStore({ url: `sqlite:${join(home, 'cbs.db')}` });
  });
  after(async () => {
    await store?.close();
    await server?.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('first start writes credentials.json (0600) with server URL, account id, token and agent id', async () => {
    const st = await stat(join(home, 'credentials.json'));
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal(creds.server, server.url);
    assert.match(creds['account-id'], /^account-[A-Za-z0-9]{8}$/);
    assert.match(creds['agent-id'], /clients$/);
    const res = await fetch(`${creds.server}/account/${creds['account-id']}/providers/cloudmanager_cbs/api/v1/job`, {
      headers: { authorization: `Bearer ${creds.token}`, 'x-agent-id': creds['agent-id'] },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { job: [] });
  });

  it('a restart on the same home reuses the account, agent and token', async () => {
    await server.stop();
    server = await startServeProcess(['--home', home]);
    const again = JSON.parse(await readFile(join(home, 'credentials.json'), 'utf8'));
    assert.equal(again['account-id'], creds['account-id']);
    assert.equal(again['agent-id'], creds['agent-id']);
    assert.equal(again.token, creds.token);
    creds = again;
  });

  it('cbs token create signs a token the server accepts, with the requested role', async () => {
    const r = await runCbs(['token', 'create', '--account', creds['account-id'], '--role', 'viewer', '--ttl', '1h', '--home', home, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.role, 'viewer');
    const payload = JSON.parse(Buffer.from(out.token.split('.')[1], 'base64url').toString());
    assert.deepEqual(payload.acc, [creds['account-id']]);
    assert.ok(payload.exp - payload.iat === 3600);
    const res = await fetch(`${creds.server}/account/${creds['account-id']}/providers/cloudmanager_cbs/api/v1/job`, {
      headers: { authorization: `Bearer ${out.token}`, 'x-agent-id': creds['agent-id'] },
    });
    assert.equal(res.status, 200);
  });

  it('cbs token create refuses a bad role, a bad ttl and an unknown account with one clear line', async () => {
    for (const args of [['--role', 'god'], ['--ttl', 'forever'], ['--account', 'account-NoSuchAc']]) {
      const r = await runCbs(['token', 'create', '--account', creds['account-id'], ...args, '--home', home]);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^cbs: .+\n$/);
      assert.doesNotMatch(r.stderr, /at .+\.js:\d+/);
    }
  });

  // The tasks below belong to an agent of the test's own, so the server's embedded agent
  // leaves them alone and the test drives their lifecycle.
  const testAgent = 'clitestagent0000clients';
  let we: string;

  it('cbs job ls / show / watch follow a job through its lifecycle', async () => {
    we = `LocalWorkingEnvironment-cli${Date.now().toString(36).slice(-5)}`;
    await store.createAgent({ id: testAgent, accountId: creds['account-id'], name: 'cli test', credentialHash: 'x' });
    await store.upsertWorkingEnvironment({ id: we, accountId: creds['account-id'], agentId: testAgent, name: 'cli', svm: 'svm0', driver: 'local-fs', root: home });
    const job = await store.createJob({
      accountId: creds['account-id'], workingEnvironmentId: we, type: 'backup-volume',
      tasks: [{ agentId: testAgent, kind: 'backup-volume', payload: {} }],
    });
    const ls = await runCbs(['job', 'ls', '--home', home, '--json']);
    assert.equal(ls.code, 0, ls.stderr);
    const listed = JSON.parse(ls.stdout);
    assertSeedShape(listed);
    assert.ok(listed.job.some((j: { id: string }) => j.id === job.id));
    const human = await runCbs(['job', 'ls', '--home', home]);
    assert.match(human.stdout, new RegExp(`${job.id}\\s+backup-volume\\s+PENDING`));

    const show = await runCbs(['job', 'show', job.id, '--home', home, '--json']);
    assert.equal(show.code, 0, show.stderr);
    assertSeedShape(JSON.parse(show.stdout));

    const watch = spawn(process.execPath, [CBS_BIN, 'job', 'watch', job.id, '--home', home, '--interval', '100'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    watch.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    watch.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const exited = new Promise<number | null>((r) => watch.on('exit', r));
    // let the watcher see PENDING first, then run the task
    await new Promise<void>((r) => { const t = setInterval(() => { if (err.includes('PENDING')) { clearInterval(t); r(); } }, 20); });
    const t = (await store.claimTask(testAgent, { leaseMs: 60_000 }))!;
    assert.equal(t.jobId, job.id);
    await store.completeTask(t.id, testAgent, t.leaseToken!, { result: {} });
    assert.equal(await exited, 0, err);
    assert.match(out, /status\s+COMPLETED/);
    assert.match(err, /PENDING[\s\S]*COMPLETED/);
  });

  it('cbs job watch exits 1 on a FAILED job, and show of an unknown job prints the error code', async () => {
    const job = await store.createJob({
      accountId: creds['account-id'], workingEnvironmentId: we, type: 'backup-volume',
      tasks: [{ agentId: testAgent, kind: 'backup-volume', payload: {} }],
    });
    const t = (await store.claimTask(testAgent, { leaseMs: 60_000 }))!;
    await store.failTask(t.id, testAgent, t.leaseToken!, 'disk on fire');
    const w = await runCbs(['job', 'watch', job.id, '--home', home]);
    assert.equal(w.code, 1);
    assert.match(w.stdout, /error\s+.*disk on fire/);
    const missing = await runCbs(['job', 'show', randomUUID(), '--home', home]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /JOB_NOT_FOUND/);
    assert.doesNotMatch(missing.stderr, /at .+\.js:\d+/);
  });
});
