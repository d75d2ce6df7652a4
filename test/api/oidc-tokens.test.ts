import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';

type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/index.js';
import { HmacTokenService, JwksTokenVerifier, OwnOrIssuerTokenVerifier, newAgentId } from '../../src/auth/index.js';
import { storeMatrix } from '../../src/store/testing/store-matrix.js';

const [first] = storeMatrix();
const ISSUER = 'https://idp.example.test/';

describe(`tokens of an external OIDC issuer, verified through its JWKS (${first!.name})`, () => {
  let app: FastifyInstance;
  let jwks: Server;
  let destroy: () => Promise<void>;
  let own: HmacTokenService;
  let issuerKey: SigningKey;
  let strangerKey: SigningKey;
  const accountId = 'account-OidcTst1';
  let agentId: string;
  before(async () => {
    const s = await first!.open();
    destroy = s.destroy;
    await s.store.createAccount({ id: accountId, name: 'oidc' });
    agentId = newAgentId();
    await s.store.createAgent({ id: agentId, accountId, name: 'a', credentialHash: 'x' });
    const kp = await generateKeyPair('RS256');
    issuerKey = kp.privateKey;
    strangerKey = (await generateKeyPair('RS256')).privateKey;
    const jwk = { ...(await exportJWK(kp.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwks = createServer((_req, res) => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify({ keys: [jwk] })); });
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    const port = (jwks.address() as { port: number }).port;
    own = new HmacTokenService(randomBytes(32));
    const tokens = new OwnOrIssuerTokenVerifier(own, new JwksTokenVerifier({ jwksUrl: `http://127.0.0.1:${port}/jwks`, issuer: ISSUER, audience: 'opencbs' }));
    app = await buildApp({ store: s.store, tokens });
    await app.ready();
  });
  after(async () => { await app.close(); jwks.close(); await destroy(); });

  const sign = (key: SigningKey, claims: Record<string, unknown>, iss = ISSUER, aud = 'opencbs', exp: string | null = '10m') => {
    const b = new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(iss).setAudience(aud).setSubject('alice').setIssuedAt();
    return (exp === null ? b : b.setExpirationTime(exp)).sign(key);
  };
  const get = (token: string) => app.inject({
    method: 'GET', url: `/account/${accountId}/providers/cloudmanager_cbs/api/v1/job`,
    headers: { authorization: `Bearer ${token}`, 'x-agent-id': agentId },
  });

  it('accepts a token of the issuer that grants the account', async () => {
    const r = await get(await sign(issuerKey, { acc: [accountId], role: 'viewer' }));
    assert.equal(r.statusCode, 200, r.body);
  });

  it('still accepts the server\'s own tokens', async () => {
    const r = await get(await own.sign({ subject: 'admin', accounts: [accountId], role: 'admin' }, 60));
    assert.equal(r.statusCode, 200, r.body);
  });

  it('refuses a token signed by another key, of another issuer or audience, without the claims, without exp or living too long', async () => {
    const cases: Array<[string, Promise<string>, number, string]> = [
      ['another key', sign(strangerKey, { acc: [accountId], role: 'viewer' }), 401, 'AUTH_INVALID'],
      ['another issuer', sign(issuerKey, { acc: [accountId], role: 'viewer' }, 'https://evil.test/'), 401, 'AUTH_INVALID'],
      ['another audience', sign(issuerKey, { acc: [accountId], role: 'viewer' }, ISSUER, 'other'), 401, 'AUTH_INVALID'],
      ['no role claim', sign(issuerKey, { acc: [accountId] }), 401, 'AUTH_INVALID'],
      ['another account', sign(issuerKey, { acc: ['account-Someone1'], role: 'admin' }), 403, 'ACCOUNT_FORBIDDEN'],
      ['no expiry', sign(issuerKey, { acc: [accountId], role: 'viewer' }, ISSUER, 'opencbs', null), 401, 'AUTH_NO_EXPIRY'],
      ['a lifetime beyond the maximum', sign(issuerKey, { acc: [accountId], role: 'viewer' }, ISSUER, 'opencbs', '91d'), 401, 'AUTH_LIFETIME_TOO_LONG'],
    ];
    for (const [name, token, status, code] of cases) {
      const r = await get(await token);
      assert.equal(r.statusCode, status, `${name}: ${r.body}`);
      assert.equal(r.json().code, code, name);
    }
  });
});
