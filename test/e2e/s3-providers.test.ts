import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTree, snapshotTree, startServer, tempDir, type Server } from './harness.js';
import { cbs, secret, startKeyedS3rver, startVerboseAgent, type KeyedS3rver } from './s3-support.js';

const SEED = Number(process.env['E2E_SEED'] ?? 5151);

/**
 * Activation on S3 with each provider block (ONTAP_S3 through the CLI, SGWS and AWS
 * through the API; AWS reaches s3rver through the agent's AWS_ENDPOINT_URL_S3), then
 * backup, browse, volume and file restores with equal bytes, and `cbs repo check
 * --read-data` on each bucket with the key export. The secrets are distinctive
 * strings; none may appear in any API response, CLI output, or process log.
 */
test('ONTAP_S3, SGWS and AWS activations on s3rver back up, browse and restore exactly; repo check passes; secrets never leak', { timeout: 180_000 }, async () => {
  const tmp = await tempDir('s3-providers');
  const keys = { ontap: ['ONTAPKEY0001', secret('ontap')], sgws: ['SGWSKEY0001', secret('sgws')], aws: ['AWSKEY0001', secret('aws')] } as const;
  const secrets = Object.values(keys).map((k) => k[1]);
  let s3: KeyedS3rver | undefined;
  let server: Server | undefined;
  let agent: Awaited<ReturnType<typeof startVerboseAgent>> | undefined;
  const noSecret = (what: string, text: string): void => {
    for (const s of secrets) assert.ok(!text.includes(s), `${what} contains a secret`);
  };
  try {
    s3 = await startKeyedS3rver(Object.values(keys).map(([a, b]) => [a, b]));
    const roots = { ontap: join(tmp.dir, 'ontap'), sgws: join(tmp.dir, 'sgws'), aws: join(tmp.dir, 'aws') };
    for (const [i, r] of Object.values(roots).entries()) await makeTree(join(r, 'vol'), SEED + i, { files: 8, bigBytes: 400_000 });
    const home = join(tmp.dir, 'home');
    server = await startServer(home, { CBS_LOG_LEVEL: 'trace', CBS_VOLUMES_ROOT: join(tmp.dir, 'embedded') });
    agent = await startVerboseAgent(server, tmp.dir, roots, { AWS_ENDPOINT_URL_S3: s3.endpoint });
    const api = server.api;
    const cli = (args: string[], env: Record<string, string> = {}) => cbs(args, { CBS_HOME: home, ...env });

    // ONTAP S3 through the CLI (secret from the environment), --json output.
    const act = await cli(['backup', 'activate', '--we', 'ontap', '--provider', 'ONTAP_S3', '--bucket', 'ontap-bucket', '--server-url', s3.endpoint,
      '--access-key', keys.ontap[0], '--json'], { CBS_S3_SECRET_ACCESS_KEY: keys.ontap[1] });
    noSecret('cbs backup activate --json', act.stdout + act.stderr);
    assert.equal(act.code, 0, act.stdout + act.stderr);
    assert.equal(JSON.parse(act.stdout).job[0].status, 'COMPLETED');

    const sgws = await api.weByName('sgws');
    const aws = await api.weByName('aws');
    const bodies = {
      sgws: { provider: 'SGWS', bucket: 'sgws-bucket', sgws: { 'storage-grid-id': 'grid-1', 'storage-server': s3.endpoint, 'access-key': keys.sgws[0], 'secret-password': keys.sgws[1] } },
      aws: { provider: 'AWS', bucket: 'aws-bucket', region: 'us-east-1', aws: { 'account-id': '123456789012', 'access-key': keys.aws[0], 'secret-password': keys.aws[1] } },
    };
    for (const [we, body] of [[sgws, bodies.sgws], [aws, bodies.aws]] as const) {
      const r = await api.req('POST', `/v3/backup/working-environment/${we.id}`, body);
      noSecret('activation response', JSON.stringify(r.body));
      assert.equal(r.status, 202, JSON.stringify(r.body));
      const j = await api.waitJob(r.body['job-id']);
      noSecret('activation job', JSON.stringify(j));
      assert.equal(j.job[0].status, 'COMPLETED', JSON.stringify(j));
    }

    // Refused activations carrying a secret: the error bodies do not echo it.
    const refused = [
      [409, bodies.sgws],
      [400, { ...bodies.sgws, bucket: 'Not_A_Bucket!' }],
      [400, { ...bodies.sgws, sgws: { ...bodies.sgws.sgws, 'extra-field': keys.sgws[1] } }],
      [400, { ...bodies.aws, region: undefined }],
    ] as const;
    for (const [status, body] of refused) {
      const r = await api.req('POST', `/v3/backup/working-environment/${sgws.id}`, body);
      noSecret(`refused activation (${status})`, JSON.stringify(r.body));
      assert.equal(r.status, status, JSON.stringify(r.body));
    }
    const again = await cli(['backup', 'activate', '--we', 'sgws', '--provider', 'SGWS', '--bucket', 'sgws-bucket', '--server-url', s3.endpoint,
      '--access-key', keys.sgws[0], '--json'], { CBS_S3_SECRET_ACCESS_KEY: keys.sgws[1] });
    noSecret('refused cbs backup activate', again.stdout + again.stderr);
    assert.notEqual(again.code, 0);

    const buckets = { ontap: 'ontap-bucket', sgws: 'sgws-bucket', aws: 'aws-bucket' } as const;
    for (const name of ['ontap', 'sgws', 'aws'] as const) {
      const we = await api.weByName(name);
      const vol = await api.volumeByName(we.id, 'vol');
      const volId = vol['file-system-id'];
      const bw = await api.ok('GET', `/v1/backup/working-environment/${we.id}`);
      noSecret('GET backup WE', JSON.stringify(bw));
      assert.equal(bw.provider, { ontap: 'ONTAP_S3', sgws: 'SGWS', aws: 'AWS' }[name]);
      assert.equal(bw.bucket, buckets[name]);
      assert.equal(bw['backup-enablement-status'], 'ON', JSON.stringify(bw));

      const bn = await api.ok('POST', `/v3/backup/working-environment/${we.id}/volume/${volId}`, { mode: 'AD_HOC', 'adhoc-backup-details': { name: `${name}-1` } });
      const bj = await api.waitJob(bn['job-id']);
      noSecret('backup job', JSON.stringify(bj));
      assert.equal(bj.job[0].status, 'COMPLETED', JSON.stringify(bj));
      const snap = (await api.ok('GET', `/v1/backup/working-environment/${we.id}/volume/${volId}/snapshot`)).snapshot[0];
      const src = await snapshotTree(join(roots[name], 'vol'));
      assert.equal(snap.size, [...src.values()].reduce((s, n) => s + n.size, 0));

      // Browse the backup.
      const sfr = `/v1/sfr/working-environment/${we.id}/volume/${volId}/snapshot/${snap.id}/file-explore/list`;
      const docs = (await api.ok('GET', `${sfr}?path=/docs&limit=1000`)).context;
      const big = docs.find((e: any) => e.name === 'big.bin');
      assert.deepEqual([big.type, big.size], ['FILE', 400_000]);

      const source = { 'working-environment-id': we.id, 'working-environment-name': we.name, bucket: buckets[name], 'volume-name': 'vol', 'volume-id': volId, snapshot: snap.id };
      const target = (volumeName: string, path?: string) => ({ 'working-environment-id': we.id, 'working-environment-name': we.name, svm: 'svm0', 'volume-name': volumeName, ...(path ? { path } : {}) });
      const rv = await api.waitJob((await api.ok('POST', '/v3/restore', { restore: { type: 'volume', source, target: target('vol-copy') } }))['job-id']);
      noSecret('restore job', JSON.stringify(rv));
      assert.equal(rv.job[0].status, 'COMPLETED', JSON.stringify(rv));
      assert.deepEqual(await snapshotTree(join(roots[name], 'vol-copy')), src);

      const files = docs.filter((e: any) => e.type === 'FILE').slice(0, 3);
      assert.ok(files.length >= 2);
      const rf = await api.waitJob((await api.ok('POST', '/v2/restore', { restore: { type: 'file', source, target: target('vol', '/restored'), file: files.map(({ name: _n, ...f }: any) => f) } }))['job-id']);
      assert.equal(rf.job[0].status, 'COMPLETED', JSON.stringify(rf));
      const out = await snapshotTree(join(roots[name], 'vol', 'restored'));
      for (const f of files) assert.deepEqual(out.get(f.name), src.get(f.path.slice(1)), f.path);

      // Disaster recovery: the bucket opened and fully read without the server.
      const ex = await api.ok('GET', `/v1/backup/working-environment/${we.id}/key-export`);
      noSecret('key export', JSON.stringify(ex));
      const keyFile = join(tmp.dir, `${name}.key`);
      await writeFile(keyFile, ex['key-export'], { mode: 0o600 });
      const loc = `s3:${s3.endpoint}/${buckets[name]}`;
      for (const json of [false, true]) {
        const ck = await cli(['repo', 'check', '--read-data', '--repo', loc, '--key-file', keyFile, '--s3-access-key-id', keys[name][0], ...(json ? ['--json'] : [])],
          { CBS_S3_SECRET_ACCESS_KEY: keys[name][1] });
        noSecret('cbs repo check', ck.stdout + ck.stderr);
        assert.equal(ck.code, 0, `${name} repo check failed:\n${ck.stdout}${ck.stderr}`);
        if (json) JSON.parse(ck.stdout);
      }
    }

    // Everything the API and CLI show about these WEs and jobs.
    for (const p of ['/v1/working-environment', '/v1/backup/working-environment', '/v1/job', '/v1/restore/status']) noSecret(p, JSON.stringify(await api.ok('GET', p)));
    for (const we of [sgws, aws]) noSecret('GET WE', JSON.stringify(await api.ok('GET', `/v1/working-environment/${we.id}`)));
    for (const args of [['we', 'ls', '--json'], ['job', 'ls', '--json'], ['we', 'ls'], ['job', 'ls']]) {
      const r = await cli(args);
      assert.equal(r.code, 0, r.stderr);
      noSecret(`cbs ${args.join(' ')}`, r.stdout + r.stderr);
    }
    // The logs, at the servers' most verbose levels.
    noSecret('server log', server.output());
    noSecret('agent log', agent.output());
    // At rest: the store (database, WAL), credentials and agent files hold the secrets only wrapped.
    const scanned: string[] = [];
    for (const f of await readdir(tmp.dir, { recursive: true, withFileTypes: true })) {
      if (!f.isFile()) continue;
      scanned.push(f.name);
      noSecret(`file ${join(f.path, f.name)}`, (await readFile(join(f.path, f.name))).toString('latin1'));
    }
    assert.ok(scanned.some((n) => /\.(db|sqlite)/.test(n)) && scanned.includes('credentials.json'), `the store was not scanned: ${scanned.filter((n) => !n.endsWith('.bin')).join(' ')}`);
    assert.match(server.output(), /"level":30/, 'the server log was not captured');
    assert.match(agent.output(), /"task completed"/, 'the agent log was not captured');
  } catch (e) {
    process.stderr.write(`seed ${SEED}\nserver output:\n${server?.output().slice(-20_000) ?? ''}\nagent output:\n${agent?.output().slice(-20_000) ?? ''}\n`);
    throw e;
  } finally {
    await agent?.stop();
    await server?.stop();
    await s3?.stop();
    await tmp.cleanup();
  }
});
