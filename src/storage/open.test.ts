import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { StorageError } from './backend.js';
import { LocalBackend } from './local/local-backend.js';
import { openBackend, parseLocation } from './open.js';
import { S3Backend } from './s3/s3-backend.js';
import { RetryBackend } from './wrap/retry-backend.js';

// This project pins Node 20 on purpose; the SDK's notice about future releases is noise here.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

test('parseLocation: local paths, with and without the local: kind', () => {
  assert.deepEqual(parseLocation('local:/srv/backups'), { kind: 'local', path: '/srv/backups' });
  assert.deepEqual(parseLocation('/srv/backups/'), { kind: 'local', path: '/srv/backups' });
  assert.deepEqual(parseLocation('local:/srv/a/../b'), { kind: 'local', path: '/srv/b' });
  assert.deepEqual(parseLocation('/'), { kind: 'local', path: '/' });
});

test('parseLocation: s3 with an endpoint, with http, and AWS without one', () => {
  assert.deepEqual(parseLocation('s3:https://sgws.example.com:8082/backups/site-a/we1'),
    { kind: 's3', endpoint: 'https://sgws.example.com:8082', bucket: 'backups', prefix: 'site-a/we1' });
  assert.deepEqual(parseLocation('s3:http://127.0.0.1:9000/bucket'), { kind: 's3', endpoint: 'http://127.0.0.1:9000', bucket: 'bucket', prefix: '' });
  assert.deepEqual(parseLocation('s3:https://host/bucket/pre/'), { kind: 's3', endpoint: 'https://host', bucket: 'bucket', prefix: 'pre' });
  assert.deepEqual(parseLocation('s3:my-bucket/prefix'), { kind: 's3', endpoint: undefined, bucket: 'my-bucket', prefix: 'prefix' });
  assert.deepEqual(parseLocation('s3:my.bucket'), { kind: 's3', endpoint: undefined, bucket: 'my.bucket', prefix: '' });
});

test('parseLocation: bad locations are permanent errors that say what is wrong and never echo a password', () => {
  const cases: [string, RegExp][] = [
    ['relative/dir', /unknown kind/],
    ['local:relative', /must be absolute/],
    ['gs://bucket', /unknown kind/],
    ['s3:', /bucket is missing/],
    ['s3:https://host:9000', /bucket is missing/],
    ['s3:Bad_Bucket!', /bad bucket name/],
    ['s3:ab', /bad bucket name/],
    ['s3:https://host/bucket/a//b', /prefix may hold only/],
    ['s3:https://host/bucket/../x', /bad bucket name|prefix/],
    ['s3:https://host/bucket?x=1', /no query/],
    ['s3:https://AKIA:topsecret@host/bucket', /credentials do not belong/],
  ];
  for (const [loc, want] of cases) {
    assert.throws(() => parseLocation(loc), (e: unknown) => {
      assert.ok(e instanceof StorageError, loc);
      assert.equal(e.kind, 'permanent');
      assert.match(e.message, want, loc);
      assert.match(e.message, /expected local:/);
      assert.ok(!e.message.includes('topsecret'), e.message);
      return true;
    });
  }
});

test('openBackend: a local location gives a working backend wrapped in retry by default', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cbs-open-'));
  try {
    const b = await openBackend(`local:${dir}/repo`);
    assert.ok(b instanceof RetryBackend);
    assert.ok(b.inner instanceof LocalBackend);
    assert.equal(b.location, `local:${dir}/repo`);
    await b.put('config', Buffer.from('cfg'));
    assert.equal(await readFile(join(dir, 'repo', 'config'), 'utf8'), 'cfg');
    await b.close();
    const raw = await openBackend(dir, { retry: false });
    assert.ok(raw instanceof LocalBackend);
    await raw.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('openBackend: an s3 location builds an S3 backend with the location endpoint, bucket and prefix', async () => {
  const b = await openBackend('s3:http://127.0.0.1:9/bkt/pre/fix', { retry: false, accessKeyId: 'k', secretAccessKey: 's' });
  assert.ok(b instanceof S3Backend);
  assert.equal(b.bucket, 'bkt');
  assert.equal(b.prefix, 'pre/fix/');
  assert.equal(b.location, 's3:http://127.0.0.1:9/bkt/pre/fix');
  await b.close();
  const aws = await openBackend('s3:bkt', { retry: false, region: 'eu-west-1', accessKeyId: 'k', secretAccessKey: 's' });
  assert.equal(aws.location, 's3:bkt');
  await aws.close();
  await assert.rejects(openBackend('nope'), (e: unknown) => e instanceof StorageError && e.kind === 'permanent');
});
