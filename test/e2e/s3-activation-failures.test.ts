import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { join } from 'node:path';
import { DeleteObjectCommand, HeadBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { startS3FaultProxy, type S3FaultProxy } from '../../src/storage/testing/index.js';
import { makeTree, startServer, tempDir, type Server } from './harness.js';
import { secret, startKeyedS3rver, startVerboseAgent, type KeyedS3rver } from './s3-support.js';

const SEED = Number(process.env['E2E_SEED'] ?? 6262);

/** A loopback port nobody listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * Bad S3 configuration makes the activation job FAILED with an error naming the cause,
 * leaves no repository `config` in the bucket, and a repeated activation with the
 * configuration fixed succeeds: wrong endpoint (closed port), unknown access key,
 * a wrong secret (a proxy answering 403 SignatureDoesNotMatch: s3rver does not verify
 * signatures), a missing bucket
 * that may not be created, credentials that may read but not write, and a key file left
 * without its config.
 */
test('bad S3 configuration fails activation with a clear error, leaves no half repository, and a fixed activation succeeds', { timeout: 150_000 }, async (t) => {
  const tmp = await tempDir('s3-fail');
  const [accessKey, secretKey] = ['FAILKEY0001', secret('fail')];
  let s3: KeyedS3rver | undefined;
  let proxy: S3FaultProxy | undefined;
  let server: Server | undefined;
  let agent: Awaited<ReturnType<typeof startVerboseAgent>> | undefined;
  let s3c: S3Client | undefined;
  try {
    s3 = await startKeyedS3rver([[accessKey, secretKey]], ['existing', 'existing-ro']);
    s3c = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: accessKey, secretAccessKey: secretKey } });
    const keysIn = async (bucket: string): Promise<string[]> => ((await s3c!.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key!);
    const bucketExists = async (bucket: string): Promise<boolean> => s3c!.send(new HeadBucketCommand({ Bucket: bucket })).then(() => true, () => false);

    const names = ['closed', 'badkey', 'sigproxy', 'nobucket', 'readonly', 'crashed', 'rerun'];
    const roots = Object.fromEntries(names.map((n) => [n, join(tmp.dir, n)]));
    for (const [i, n] of names.entries()) await makeTree(join(roots[n]!, 'vol'), SEED + i, { files: 3, bigBytes: 10_000 });
    server = await startServer(join(tmp.dir, 'home'), { CBS_LOG_LEVEL: 'trace', CBS_TASK_MAX_ATTEMPTS: '1', CBS_VOLUMES_ROOT: join(tmp.dir, 'embedded') });
    agent = await startVerboseAgent(server, tmp.dir, roots);
    const api = server.api;
    const activate = async (weName: string, bucket: string, endpoint: string, provider: 'ONTAP_S3' | 'SGWS' = 'ONTAP_S3', access = accessKey): Promise<any> => {
      const we = await api.weByName(weName);
      const block = { 'storage-server': endpoint, 'access-key': access, 'secret-password': secretKey };
      const r = await api.req('POST', `/v3/backup/working-environment/${we.id}`, { provider, bucket, ...(provider === 'SGWS' ? { sgws: block } : { 'ontap-s3': block }) });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      const j = (await api.waitJob(r.body['job-id'], 90_000)).job[0];
      const bw = await api.ok('GET', `/v1/backup/working-environment/${we.id}`);
      for (const text of [JSON.stringify(j), JSON.stringify(bw)]) assert.ok(!text.includes(secretKey), 'the secret in an API response');
      return { ...j, enablement: bw['backup-enablement-status'] };
    };
    const expectFixedActivation = async (weName: string, bucket: string): Promise<void> => {
      const j = await activate(weName, bucket, s3!.endpoint);
      assert.equal(j.status, 'COMPLETED', JSON.stringify(j));
      assert.equal(j.enablement, 'ON');
      assert.ok((await keysIn(bucket)).includes('config'));
    };

    // 1. Wrong endpoint: nothing listens there.
    const port = await closedPort();
    const closed = await activate('closed', 'bucket-closed', `http://127.0.0.1:${port}`);
    assert.equal(closed.status, 'FAILED');
    t.diagnostic(`closed: ${closed.error}`);
    assert.match(closed.error, new RegExp(`ECONNREFUSED|connect|unreachable|refused`, 'i'), closed.error);
    assert.match(closed.error, new RegExp(`127\\.0\\.0\\.1:${port}`), `the error should name the endpoint: ${closed.error}`);
    assert.notEqual(closed.enablement, 'ON');
    assert.equal(await bucketExists('bucket-closed'), false);
    await expectFixedActivation('closed', 'bucket-closed');

    // 2. Wrong access key: s3rver knows only its registered key ids (it does not verify signatures).
    const bad = await activate('badkey', 'existing', s3.endpoint, 'ONTAP_S3', 'WRONGKEY0001');
    assert.equal(bad.status, 'FAILED');
    t.diagnostic(`bad: ${bad.error}`);
    assert.match(bad.error, /InvalidAccessKeyId|access key/i, bad.error);
    assert.deepEqual(await keysIn('existing'), []);
    await expectFixedActivation('badkey', 'existing');

    // 3. A store answering every request 403 SignatureDoesNotMatch (the proxy stands in for a store that checks keys differently).
    proxy = await startS3FaultProxy(s3.endpoint);
    proxy.plan({ fault: { kind: 'error', status: 403, code: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match the signature you provided.' }, times: Infinity });
    const sig = await activate('sigproxy', 'bucket-sig', proxy.endpoint, 'SGWS');
    assert.equal(sig.status, 'FAILED');
    t.diagnostic(`sig: ${sig.error}`);
    assert.match(sig.error, /SignatureDoesNotMatch|wrong access key or secret key/i, sig.error);
    assert.ok(proxy.faulted > 0);
    assert.equal(await bucketExists('bucket-sig'), false);
    await proxy.stop();
    proxy = undefined;
    await expectFixedActivation('sigproxy', 'bucket-sig');

    // 4. The bucket is missing and may not be created (CreateBucket refused).
    proxy = await startS3FaultProxy(s3.endpoint);
    proxy.plan({ method: 'PUT', fault: { kind: 'error', status: 403, code: 'AccessDenied', message: 'Access Denied' }, times: Infinity });
    const nob = await activate('nobucket', 'bucket-missing', proxy.endpoint);
    assert.equal(nob.status, 'FAILED');
    t.diagnostic(`nob: ${nob.error}`);
    assert.match(nob.error, /bucket-missing/, `the error should name the bucket: ${nob.error}`);
    assert.match(nob.error, /AccessDenied|access denied|denied|not allowed|create/i, nob.error);
    assert.equal(await bucketExists('bucket-missing'), false);

    // 5. The bucket exists but the keys may only read: no object written, so no config without its key.
    const ro = await activate('readonly', 'existing-ro', proxy.endpoint);
    assert.equal(ro.status, 'FAILED');
    t.diagnostic(`ro: ${ro.error}`);
    assert.match(ro.error, /AccessDenied|access denied|denied/i, ro.error);
    assert.ok(!(await keysIn('existing-ro')).includes('config'));
    await proxy.stop();
    proxy = undefined;
    await expectFixedActivation('nobucket', 'bucket-missing');
    await expectFixedActivation('readonly', 'existing-ro');

    // 6. An activation cut between its two writes leaves a key file without `config` (made here by
    // removing the config of a fresh repository). Activating again (with a new repository secret,
    // as a repeated activation has) succeeds, and the repository opens past the stray key file.
    await expectFixedActivation('crashed', 'bucket-half');
    await s3c.send(new DeleteObjectCommand({ Bucket: 'bucket-half', Key: 'config' }));
    const stray = await keysIn('bucket-half');
    assert.equal(stray.length, 1);
    assert.match(stray[0]!, /^keys\//);
    await expectFixedActivation('rerun', 'bucket-half');
    assert.equal((await keysIn('bucket-half')).filter((k) => k.startsWith('keys/')).length, 2);
    const rerun = await api.weByName('rerun');
    const vol = await api.volumeByName(rerun.id, 'vol');
    const bj = (await api.waitJob((await api.ok('POST', `/v3/backup/working-environment/${rerun.id}/volume/${vol['file-system-id']}`, { mode: 'AD_HOC' }))['job-id'])).job[0];
    assert.equal(bj.status, 'COMPLETED', JSON.stringify(bj));

    for (const [what, text] of [['server log', server.output()], ['agent log', agent.output()]] as const) assert.ok(!text.includes(secretKey), `${what} contains the secret`);
  } catch (e) {
    process.stderr.write(`seed ${SEED}\nserver output:\n${server?.output().slice(-20_000) ?? ''}\nagent output:\n${agent?.output().slice(-20_000) ?? ''}\n`);
    throw e;
  } finally {
    s3c?.destroy();
    await proxy?.stop();
    await agent?.stop();
    await server?.stop();
    await s3?.stop();
    await tmp.cleanup();
  }
});
