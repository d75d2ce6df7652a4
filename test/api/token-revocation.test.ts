import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/index.js';
import { REVOCATION_REFRESH_MS } from '../../src/auth/index.js';
import type { JobStore } from '../../src/store/job-store.js';
import { storeMatrix } from '../../src/store/testing/store-matrix.js';
import { apiHarness, type ApiHarness } from '../helpers/api-harness.js';

for (const m of storeMatrix()) {
  describe(`token revocation through /auth/v1 (${m.name})`, () => {
    let h: ApiHarness;
    let other: FastifyInstance;
    let otherStore: JobStore;
    let destroy: () => Promise<void>;
    before(async () => {
      const s = await m.open();
      destroy = s.destroy;
      h = await apiHarness(s.store);
      // A second instance: its own connection to the same database, its own caches.
      otherStore = await s.openAnother();
      other = await buildApp({ store: otherStore, tokens: h.tokens });
      await other.ready();
    });
    after(async () => { await other.close(); await h.app.close(); await destroy(); });

    const getJobs = (app: FastifyInstance, token: string) => app.inject({
      method: 'GET', url: `${h.prefix(h.a.accountId)}/v1/job`, headers: h.headers(h.a, { authorization: `Bearer ${token}` }),
    });

    it('an admin revokes a token by id; both instances refuse it with AUTH_REVOKED within the refresh interval', async () => {
      const victim = await h.tokens.issue({ subject: 'victim', accounts: [h.a.accountId], role: 'viewer' }, 600);
      // Used (and cached) on both instances first.
      assert.equal((await getJobs(h.app, victim.token)).statusCode, 200);
      assert.equal((await getJobs(other, victim.token)).statusCode, 200);
      const r = await h.app.inject({ method: 'PUT', url: `/auth/v1/revoked-tokens/${victim.id}`, headers: { authorization: `Bearer ${h.a.token}` } });
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(r.json().id, victim.id);
      const revokedAt = Date.now();
      for (const app of [h.app, other]) {
        let res = await getJobs(app, victim.token);
        // Each instance re-reads the list at most every REVOCATION_REFRESH_MS; poll a little past that.
        while (res.statusCode === 200 && Date.now() - revokedAt < REVOCATION_REFRESH_MS * 3) {
          await new Promise((done) => setTimeout(done, 50));
          res = await getJobs(app, victim.token);
        }
        assert.equal(res.statusCode, 401, res.body);
        assert.equal(res.json().code, 'AUTH_REVOKED');
      }
      // The admin's own token is untouched; the list shows the revocation.
      const list = await other.inject({ method: 'GET', url: '/auth/v1/revoked-tokens', headers: { authorization: `Bearer ${h.a.token}` } });
      assert.equal(list.statusCode, 200, list.body);
      assert.ok(list.json()['revoked-token'].some((x: { id: string }) => x.id === victim.id));
    });

    it('only admins revoke: operator 403 ROLE_FORBIDDEN, no token 401, a malformed id 400', async () => {
      const operator = await h.tokenFor([h.a.accountId], 'operator');
      const cases: Array<[string, Record<string, string>, string, number, string]> = [
        ['operator', { authorization: `Bearer ${operator}` }, 'some-id', 403, 'ROLE_FORBIDDEN'],
        ['no token', {}, 'some-id', 401, 'AUTH_MISSING'],
        ['malformed id', { authorization: `Bearer ${h.a.token}` }, 'bad%20id', 400, 'VALIDATION_FAILED'],
      ];
      for (const [name, headers, id, status, code] of cases) {
        const r = await h.app.inject({ method: 'PUT', url: `/auth/v1/revoked-tokens/${id}`, headers });
        assert.equal(r.statusCode, status, `${name}: ${r.body}`);
        assert.equal(r.json().code, code, name);
      }
      assert.equal((await h.store.listRevokedTokens()).some((x) => x.id === 'some-id'), false);
    });

    it('revocations past their expiry are dropped from the list', async () => {
      const t0 = Date.now();
      await h.store.revokeToken({ id: 'old-token', revokedAt: t0 - 10_000, expiresAt: t0 - 1 });
      await h.store.revokeToken({ id: 'newer-token', revokedAt: t0, expiresAt: t0 + 60_000 });
      const ids = (await h.store.listRevokedTokens()).map((x) => x.id);
      assert.ok(!ids.includes('old-token') && ids.includes('newer-token'));
    });
  });
}
