import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { inspect } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { StorageError } from '../backend.js';
import { openBackend } from '../open.js';
import { backendConformanceSuite, collect, rejectsWithKind } from '../testing/conformance.js';
import { FaultyBackend } from '../testing/faulty-backend.js';
import { startS3FaultProxy } from '../testing/s3-fault-proxy.js';
import { startS3rver, type RunningS3rver } from '../testing/s3rver.js';
import { SeededRandom, testSeed } from '../../testing/seeded-random.js';
import { RetryBackend } from '../wrap/retry-backend.js';
import { S3Backend } from './s3-backend.js';

// This project pins Node 20 on purpose; the SDK's notice about future releases is noise here.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

const server: RunningS3rver = await startS3rver();
after(() => server.stop());

let buckets = 0;
async function freshBackend(extra: Partial<ConstructorParameters<typeof S3Backend>[0]> = {}): Promise<S3Backend> {
  const b = new S3Backend({
    endpoint: server.endpoint, accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey,
    bucket: `test-${process.pid}-${++buckets}`, prefix: 'repo/one', ...extra,
  });
  await b.ensureBucket();
  return b;
}

backendConformanceSuite('s3 (s3rver)', async () => ({ backend: await freshBackend(), cleanup: async () => {} }));

describe('s3', () => {
  test('s3: location names endpoint, bucket and prefix, and never the secret', async () => {
    const b = await freshBackend({ bucket: 'loc-bucket' });
    assert.equal(b.location, `s3:${server.endpoint}/loc-bucket/repo/one`);
    assert.ok(!b.location.includes(server.secretAccessKey.toLowerCase()));
    await b.close();
  });

  test('s3: ensureBucket is idempotent', async () => {
    const b = await freshBackend({ bucket: 'twice' });
    await b.ensureBucket();
    await b.put('x', Buffer.from('x'));
    await b.close();
  });

  test('s3: objects under one prefix are invisible under another prefix of the same bucket', async () => {
    const a = await freshBackend({ bucket: 'shared', prefix: 'a' });
    const ab = await freshBackend({ bucket: 'shared', prefix: 'ab' });
    await a.put('config', Buffer.from('a'));
    await ab.put('config', Buffer.from('ab'));
    assert.deepEqual(await collect(a.list('')), [{ key: 'config', size: 1 }]);
    assert.deepEqual(await collect(ab.list('')), [{ key: 'config', size: 2 }]);
    assert.deepEqual(await a.get('config'), Buffer.from('a'));
    await a.close(); await ab.close();
  });

  test('s3: objects above the multipart threshold are uploaded in parts and read back whole and by range', async () => {
    const seed = testSeed();
    const data = new SeededRandom(seed).bytes(12 * 1024 * 1024 + 123);
    const b = await freshBackend({ multipartThresholdBytes: 6 * 1024 * 1024, partSizeBytes: 5 * 1024 * 1024 });
    await b.put('data/big', data);
    assert.equal((await b.stat('data/big')).size, data.length, `seed ${seed}`);
    assert.ok((await b.get('data/big')).equals(data), `seed ${seed}`);
    const r = { offset: 5 * 1024 * 1024 - 10, length: 20 };
    assert.ok((await b.get('data/big', r)).equals(data.subarray(r.offset, r.offset + r.length)), `seed ${seed}`);
    await b.close();
  });

  test('s3: a wrong secret key is permanent and the message never contains the secret', async () => {
    // s3rver does not check SigV4 signatures; the proxy answers as a real store does.
    const proxy = await startS3FaultProxy(server.endpoint);
    proxy.plan({ fault: { kind: 'error', status: 403, code: 'SignatureDoesNotMatch',
      message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.' }, times: Infinity });
    const secret = 'Wr0ngSecretKeyThatMustNotLeak/+abc';
    const b = new S3Backend({ endpoint: proxy.endpoint, accessKeyId: 'S3RVER', secretAccessKey: secret, bucket: 'anybucket' });
    try {
      const ops: [() => Promise<unknown>, RegExp][] = [
        [() => b.put('k', Buffer.from('x')), /secret key does not match.*SignatureDoesNotMatch/],
        [() => b.get('k'), /secret key does not match.*SignatureDoesNotMatch/],
        [() => collect(b.list('')), /secret key does not match.*SignatureDoesNotMatch/],
        // HEAD answers carry no error body, so only the status speaks.
        [() => b.ensureBucket(), /access denied: wrong access key or secret key.*HTTP 403/],
      ];
      for (const [op, want] of ops) {
        await assert.rejects(op(), (e: unknown) => {
          assert.ok(e instanceof StorageError);
          assert.equal(e.kind, 'permanent', e.message);
          assert.match(e.message, want);
          assert.ok(!e.message.includes(secret) && !String(e).includes(secret), e.message);
          assert.ok(!inspect(e, { depth: 8 }).includes(secret), 'not in the cause either');
          return true;
        });
      }
      assert.equal(proxy.faulted, 4);
    } finally {
      await b.close();
      await proxy.stop();
    }
  });

  test('s3: 503 SlowDown, 500 InternalError and connections cut mid-body are transient and survived by the retry wrapper', async () => {
    const seed = testSeed();
    const data = new SeededRandom(seed).bytes(300_000);
    const proxy = await startS3FaultProxy(server.endpoint);
    const s3 = await freshBackend({ endpoint: proxy.endpoint });
    const kinds: string[] = [];
    const r = new RetryBackend(s3, { baseDelayMs: 1, maxDelayMs: 5, onRetry: (i) => kinds.push(`${i.method}:${i.error.kind}`) });
    try {
      proxy.plan({ method: 'PUT', fault: { kind: 'error', status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' }, times: 2 });
      proxy.plan({ method: 'PUT', fault: { kind: 'reset' } });
      await r.put('data/x', data);
      proxy.plan({ method: 'GET', fault: { kind: 'reset-mid-body' } });
      proxy.plan({ method: 'GET', fault: { kind: 'error', status: 500, code: 'InternalError' } });
      assert.ok((await r.get('data/x')).equals(data), `seed ${seed}`);
      proxy.plan({ method: 'HEAD', fault: { kind: 'error', status: 503, code: 'ServiceUnavailable' } });
      assert.equal((await r.stat('data/x')).size, data.length);
      assert.equal(proxy.faulted, 6);
      assert.deepEqual(kinds, ['put:transient', 'put:transient', 'put:transient', 'get:transient', 'get:transient', 'stat:transient']);
    } finally {
      await r.close();
      await proxy.stop();
    }
  });

  test('s3: an unknown access key id is permanent', async () => {
    await (await freshBackend({ bucket: 'anybucket2' })).close();
    const b = new S3Backend({ endpoint: server.endpoint, accessKeyId: 'NOBODY', secretAccessKey: 'whatever-secret', bucket: 'anybucket2' });
    await rejectsWithKind(b.put('k', Buffer.from('x')), 'permanent');
    await b.close();
  });

  test('s3: a missing bucket is permanent with a message naming it', async () => {
    const b = new S3Backend({ endpoint: server.endpoint, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', bucket: 'no-such-bucket' });
    for (const op of [() => b.put('k', Buffer.from('x')), () => b.get('k'), () => collect(b.list(''))]) {
      await assert.rejects(op(), (e: unknown) => {
        assert.ok(e instanceof StorageError);
        assert.equal(e.kind, 'permanent', e.message);
        assert.match(e.message, /bucket does not exist/);
        assert.match(e.message, /no-such-bucket/);
        return true;
      });
    }
    await b.close();
  });

  test('s3: a closed port fails fast with a clear message, through the retry wrapper', async () => {
    const port = await closedPort();
    const b = await openBackend(`s3:http://127.0.0.1:${port}/bucket/p`, {
      accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', connectTimeoutMs: 2000, requestTimeoutMs: 2000,
      retry: { maxAttempts: 3, baseDelayMs: 10 },
    });
    const t0 = performance.now();
    await assert.rejects(b.stat('config'), (e: unknown) => {
      assert.ok(e instanceof StorageError);
      assert.equal(e.kind, 'transient');
      assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
      assert.match(e.message, /connection refused/);
      assert.match(e.message, /after 3 attempts/);
      return true;
    });
    assert.ok(performance.now() - t0 < 10_000);
    await b.close();
  });

  test('s3: a store that stops answering fails transient after requestTimeoutMs', async () => {
    const proxy = await startS3FaultProxy(server.endpoint);
    const normal = await freshBackend({ endpoint: proxy.endpoint });
    const impatient = new S3Backend({ endpoint: proxy.endpoint, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER',
      bucket: normal.bucket, prefix: 'repo/one', requestTimeoutMs: 1000 });
    try {
      await normal.put('k', Buffer.from('v'));
      proxy.plan({ method: 'GET', fault: { kind: 'stall' } });
      const t0 = performance.now();
      await assert.rejects(impatient.get('k'), (e: unknown) => {
        assert.ok(e instanceof StorageError);
        assert.equal(e.kind, 'transient', e.message);
        assert.match(e.message, /timed out/);
        return true;
      });
      const took = performance.now() - t0;
      assert.ok(took >= 900 && took < 15_000, `took ${took} ms`);
      assert.deepEqual(await normal.get('k'), Buffer.from('v'), 'the next request goes through');
    } finally {
      await impatient.close();
      await normal.close();
      await proxy.stop();
    }
  });

  test('s3: a thousand puts issued at once wait their turn instead of timing out', async () => {
    const b = await freshBackend({ maxConcurrentRequests: 8, connectTimeoutMs: 3000 });
    await Promise.all(Array.from({ length: 1001 }, (_, i) => b.put(`index/${String(i).padStart(4, '0')}`, Buffer.from([i & 0xff]))));
    const got = await collect(b.list('index/'));
    assert.equal(got.length, 1001, 'more objects than one listing page, all listed');
    assert.equal(new Set(got.map((o) => o.key)).size, 1001, 'each once');
    await b.close();
  });

  test('s3: the retry wrapper over a faulty s3 backend survives throttling and dropped bodies', async () => {
    const seed = testSeed();
    const rnd = new SeededRandom(seed);
    const s3 = await freshBackend();
    const f = new FaultyBackend(s3);
    const r = new RetryBackend(f, { baseDelayMs: 1, maxDelayMs: 5 });
    f.plan({ method: 'put', fault: 'transient', times: 2 })
      .plan({ method: 'put', nth: 3, fault: 'drop-mid-body' })
      .plan({ method: 'get', fault: 'drop-mid-body' })
      .plan({ method: 'list', fault: 'drop-mid-body' })
      .plan({ method: 'stat', fault: 'transient', times: 3 });
    const objs = Array.from({ length: 6 }, (_, i) => ({ key: `data/${i}`, data: rnd.bytes(10_000 + rnd.below(100_000)) }));
    for (const o of objs) await r.put(o.key, o.data);
    for (const o of objs) assert.ok((await r.get(o.key)).equals(o.data), `${o.key} seed ${seed}`);
    assert.equal((await r.stat('data/0')).size, objs[0]!.data.length);
    const listed = await collect(r.list('data/'));
    assert.deepEqual(listed.map((o) => o.key).sort(), objs.map((o) => o.key));
    for (const o of listed) assert.equal(o.size, objs.find((x) => x.key === o.key)!.data.length);
    f.assertAllFired();
    await r.close();
  });
});

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((res, rej) => srv.close((e) => (e ? rej(e) : res())));
  return port;
}
