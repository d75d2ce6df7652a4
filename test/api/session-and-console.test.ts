import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gunzipSync, gzipSync, brotliDecompressSync } from 'node:zlib';
import { storeMatrix } from '../../src/store/testing/store-matrix.js';
import { apiHarness, type ApiHarness } from '../helpers/api-harness.js';

for (const m of storeMatrix()) {
  describe(`GET /auth/v1/session (${m.name})`, () => {
    let h: ApiHarness;
    let destroy: () => Promise<void>;
    before(async () => {
      const s = await m.open();
      destroy = s.destroy;
      h = await apiHarness(s.store);
    });
    after(async () => { await h.app.close(); await destroy(); });

    const session = (authorization?: string) => h.app.inject({ method: 'GET', url: '/auth/v1/session', headers: authorization ? { authorization } : {} });

    it('names the token\'s role, its account and the agents of that account, without x-agent-id', async () => {
      const r = await session(`Bearer ${h.a.token}`);
      assert.equal(r.statusCode, 200, r.body);
      const b = r.json();
      assert.equal(b.role, 'admin');
      assert.equal(typeof b['expires-at'], 'number');
      assert.ok(b['expires-at'] > Date.now());
      assert.deepEqual(b.account, [{ id: h.a.accountId, name: 'tenant A', 'agent-id': [h.a.agentId] }]);
    });

    it('a viewer token for every account sees both tenants; an unknown account is left out', async () => {
      const all = (await session(`Bearer ${await h.tokenFor(['*'], 'viewer')}`)).json();
      assert.equal(all.role, 'viewer');
      const ids = all.account.map((a: { id: string }) => a.id);
      assert.ok(ids.includes(h.a.accountId) && ids.includes(h.b.accountId), JSON.stringify(all));
      const none = (await session(`Bearer ${await h.tokenFor(['account-zzzzzzzz'], 'operator')}`)).json();
      assert.deepEqual(none.account, []);
    });

    it('a missing or bad token is the usual 401', async () => {
      const missing = await session();
      assert.equal(missing.statusCode, 401);
      assert.equal(missing.json().code, 'AUTH_MISSING');
      const bad = await session('Bearer not.a.jwt');
      assert.equal(bad.statusCode, 401);
      assert.equal(bad.json().code, 'AUTH_INVALID');
    });
  });
}

describe('the web console at /ui', () => {
  let h: ApiHarness;
  let destroy: () => Promise<void>;
  let root: string;
  const js = 'console.log("console");'.repeat(50);
  const html = '<!doctype html><title>OpenCBS</title><script type="module" src="/ui/assets/index-abc123.js"></script>';
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'cbs-web-'));
    await mkdir(join(root, 'assets'));
    // What the build writes: each text file and its .br and .gz.
    for (const [name, body] of [['index.html', html], ['assets/index-abc123.js', js]] as const) {
      await writeFile(join(root, name), body);
      await writeFile(join(root, `${name}.br`), brotliCompressSync(body));
      await writeFile(join(root, `${name}.gz`), gzipSync(body));
    }
    const s = await storeMatrix()[0]!.open();
    destroy = s.destroy;
    h = await apiHarness(s.store, { webRoot: root });
  });
  after(async () => { await h.app.close(); await destroy(); await rm(root, { recursive: true, force: true }); });

  const get = (url: string, encoding?: string) => h.app.inject({ method: 'GET', url, headers: encoding ? { 'accept-encoding': encoding } : {} });

  it('serves index.html at /ui/, revalidated, with a content security policy, in the encoding asked for', async () => {
    const br = await get('/ui/', 'br, gzip');
    assert.equal(br.statusCode, 200);
    assert.equal(br.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(br.headers['cache-control'], 'no-cache');
    assert.equal(br.headers['vary'], 'accept-encoding');
    assert.match(String(br.headers['content-security-policy']), /default-src 'self'/);
    assert.equal(brotliDecompressSync(br.rawPayload).toString(), html);
    const gz = await get('/ui/', 'gzip');
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(gz.rawPayload).toString(), html);
    const plain = await get('/ui/');
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.body, html);
  });

  it('caches hashed assets for a year and answers 404 for an unknown one', async () => {
    const r = await get('/ui/assets/index-abc123.js', 'br');
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /^(application|text)\/javascript/);
    assert.equal(r.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(brotliDecompressSync(r.rawPayload).toString(), js);
    const missing = await get('/ui/assets/index-000000.js');
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().code, 'ROUTE_NOT_FOUND');
  });

  it('answers index.html for the console\'s own pages, so their URLs can be opened directly', async () => {
    for (const url of ['/ui', '/ui/jobs', '/ui/jobs/5b0e7a36-0a8e-4d1e-9a57-0c5f3f7d2b11?x=1', '/ui/environments/LocalWorkingEnvironment-ab12cd34/volumes/v']) {
      const r = await get(url);
      assert.equal(r.statusCode, 200, url);
      assert.equal(r.body, html, url);
    }
    const root = await get('/');
    assert.equal(root.statusCode, 302);
    assert.equal(root.headers['location'], '/ui/');
  });

  it('leaves the API\'s own 404 alone outside /ui', async () => {
    const r = await get('/nope');
    assert.equal(r.statusCode, 404);
    assert.equal(r.json().code, 'ROUTE_NOT_FOUND');
  });
});
