import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/index.js';
import { HmacTokenService, newAgentId } from '../../src/auth/index.js';
import { AesGcmKeyVault } from '../../src/main/key-vault.js';
import { storeMatrix } from '../../src/store/testing/store-matrix.js';

const [first] = storeMatrix();

describe(`request bodies: size, media type, syntax and fields (${first!.name})`, () => {
  let app: FastifyInstance;
  let destroy: () => Promise<void>;
  let url: string;
  let headers: Record<string, string>;
  before(async () => {
    const s = await first!.open();
    destroy = s.destroy;
    const tokens = new HmacTokenService(randomBytes(32));
    const accountId = 'account-BodyLim1';
    await s.store.createAccount({ id: accountId, name: 'b' });
    const agentId = newAgentId();
    await s.store.createAgent({ id: agentId, accountId, name: 'b', credentialHash: 'x' });
    app = await buildApp({ store: s.store, tokens, bodyLimit: 4096, keys: new AesGcmKeyVault(randomBytes(32)), operations: { bucketsRoot: '/tmp/cbs-test-buckets', leaseMs: 60_000 } });
    await app.ready();
    url = `/account/${accountId}/providers/cloudmanager_cbs/api/v3/restore`;
    headers = { authorization: `Bearer ${await tokens.sign({ subject: 't', accounts: [accountId], role: 'admin' }, 3600)}`, 'x-agent-id': agentId };
  });
  after(async () => { await app.close(); await destroy(); });

  const post = (payload: string, contentType = 'application/json') =>
    app.inject({ method: 'POST', url, headers: { ...headers, 'content-type': contentType }, payload });

  it('a body over the limit → 413 PAYLOAD_TOO_LARGE', async () => {
    const r = await post(JSON.stringify({ restore: { type: 'file', pad: 'x'.repeat(8192) } }));
    assert.equal(r.statusCode, 413, r.body);
    assert.equal(r.json().code, 'PAYLOAD_TOO_LARGE');
  });

  it('a body that is not JSON → 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const r = await post('restore=1', 'text/plain');
    assert.equal(r.statusCode, 415, r.body);
    assert.equal(r.json().code, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('malformed JSON → 400 VALIDATION_FAILED saying so', async () => {
    const r = await post('{"restore": {');
    assert.equal(r.statusCode, 400, r.body);
    assert.equal(r.json().code, 'VALIDATION_FAILED');
    assert.match(r.json().message, /JSON/);
  });

  it('a missing, mistyped or unknown body field → 400 naming the field', async () => {
    const source = { 'working-environment-id': 'we1', 'working-environment-name': 'local', bucket: 'b', 'volume-name': 'v', 'volume-id': 'vid', snapshot: 's' };
    const target = { 'working-environment-id': 'we1', 'working-environment-name': 'local', svm: 'svm0', 'volume-name': 'v2' };
    const cases: Array<[unknown, RegExp]> = [
      [{}, /restore/],
      [{ restore: { type: 'file', source, target, file: 'nope' } }, /file/],
      [{ restore: { type: 'file', source: { ...source, snapshot: { id: 1 } }, target } }, /snapshot/],
      [{ restore: { type: 'volume', source, target: { ...target, 'volume-name': '../etc' } } }, /volume-name/],
      [{ restore: { type: 'volume', source, target }, colour: 'red' }, /colour/],
    ];
    for (const [body, field] of cases) {
      const r = await post(JSON.stringify(body));
      assert.equal(r.statusCode, 400, `${JSON.stringify(body)} → ${r.body}`);
      assert.equal(r.json().code, 'VALIDATION_FAILED');
      assert.match(r.json().message, field, r.json().message);
    }
  });

  it('the server keeps serving after all of that', async () => {
    const r = await app.inject({ method: 'GET', url: url.replace('/v3/restore', '/v1/job'), headers });
    assert.equal(r.statusCode, 200);
  });
});
