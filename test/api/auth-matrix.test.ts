import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { storeMatrix } from '../../src/store/testing/store-matrix.js';
import { HmacTokenService } from '../../src/auth/index.js';
import { apiHarness, type ApiHarness } from '../helpers/api-harness.js';

for (const m of storeMatrix()) {
  describe(`auth and tenancy matrix (${m.name})`, () => {
    let h: ApiHarness;
    let destroy: () => Promise<void>;
    let jobA: string;
    let jobB: string;
    before(async () => {
      const s = await m.open();
      destroy = s.destroy;
      h = await apiHarness(s.store);
      jobA = (await h.store.createJob({ accountId: h.a.accountId, workingEnvironmentId: h.a.weId, type: 'backup-volume', tasks: [] })).id;
      jobB = (await h.store.createJob({ accountId: h.b.accountId, workingEnvironmentId: h.b.weId, type: 'backup-volume', tasks: [] })).id;
    });
    after(async () => { await h.app.close(); await destroy(); });

    const cases: Array<{ name: string; status: number; code: string; req: () => Promise<{ url: string; headers: Record<string, string> }> }> = [
      { name: 'no token', status: 401, code: 'AUTH_MISSING', req: async () => ({ url: `${h.prefix(h.a.accountId)}/v1/job/${jobA}`, headers: h.headers(h.a, { authorization: undefined }) }) },
      { name: 'not a bearer header', status: 401, code: 'AUTH_INVALID', req: async () => ({ url: `${h.prefix(h.a.accountId)}/v1/job/${jobA}`, headers: h.headers(h.a, { authorization: 'Basic dXNlcjpwdw==' }) }) },
      { name: 'garbage token', status: 401, code: 'AUTH_INVALID', req: async () => ({ url: `${h.prefix(h.a.accountId)}/v1/job/${jobA}`, headers: h.headers(h.a, { authorization: 'Bearer not.a.jwt' }) }) },
      {
        name: 'bad signature', status: 401, code: 'AUTH_INVALID', req: async () => {
          const other = await new HmacTokenService(randomBytes(32)).sign({ subject: 'x', accounts: [h.a.accountId], role: 'admin' }, 3600);
          return { url: `${h.prefix(h.a.accountId)}/v1/job/${jobA}`, headers: h.headers(h.a, { authorization: `Bearer ${other}` }) };
        },
      },
      {
        name: 'tampered payload', status: 401, code: 'AUTH_INVALID', req: async () => {
          const [hd, , sig] = h.a.token.split('.');
          const forged = Buffer.from(JSON.stringify({ acc: ['*'], role: 'admin', iss: 'opencbs', exp: 9999999999 })).toString('base64url');
          return { url: `${h.prefix(h.a.accountId)}/v1/job/${jobA}`, headers: h.headers(h.a, { authorization: `Bearer ${hd}.${forged}.${sig}` }) };
        },
      },
      {
        name: 'expired token', status: 401, code: 'AUTH_EXPIRED', req: async () => {
          const expired = await h.tokens.sign({ subject: 'x', accounts: [h.a.accountId], role: 'admin' }, -10 as unknown as number);
          return { url: `${h.prefix(h.a.accountId)}/v1/job/${jobA}`, headers: h.headers(h.a, { authorization: `Bearer ${expired}` }) };
        },
      },
      { name: 'token of another account', status: 403, code: 'ACCOUNT_FORBIDDEN', req: async () => ({ url: `${h.prefix(h.a.accountId)}/v1/job/${jobA}`, headers: h.headers(h.a, { authorization: `Bearer ${h.b.token}` }) }) },
      { name: 'missing x-agent-id', status: 400, code: 'VALIDATION_FAILED', req: async () => ({ url: `${h.prefix(h.a.accountId)}/v1/job/${jobA}`, headers: h.headers(h.a, { 'x-agent-id': undefined }) }) },
      { name: 'unknown agent', status: 403, code: 'AGENT_FORBIDDEN', req: async () => ({ url: `${h.prefix(h.a.accountId)}/v1/job/${jobA}`, headers: h.headers(h.a, { 'x-agent-id': 'nosuchagentclients' }) }) },
      { name: 'agent of another account', status: 403, code: 'AGENT_FORBIDDEN', req: async () => ({ url: `${h.prefix(h.a.accountId)}/v1/job/${jobA}`, headers: h.headers(h.a, { 'x-agent-id': h.b.agentId }) }) },
      { name: 'unknown job id', status: 404, code: 'JOB_NOT_FOUND', req: async () => ({ url: `${h.prefix(h.a.accountId)}/v1/job/${randomUUID()}`, headers: h.headers(h.a) }) },
      { name: 'another account\'s job id', status: 404, code: 'JOB_NOT_FOUND', req: async () => ({ url: `${h.prefix(h.a.accountId)}/v1/job/${jobB}`, headers: h.headers(h.a) }) },
      { name: 'listing with another account\'s token', status: 403, code: 'ACCOUNT_FORBIDDEN', req: async () => ({ url: `${h.prefix(h.b.accountId)}/v1/job`, headers: h.headers(h.b, { authorization: `Bearer ${h.a.token}` }) }) },
    ];

    for (const c of cases) {
      it(`${c.name} → ${c.status} ${c.code}`, async () => {
        const { url, headers } = await c.req();
        const res = await h.app.inject({ method: 'GET', url, headers });
        assert.equal(res.statusCode, c.status, res.body);
        const body = res.json();
        assert.deepEqual(Object.keys(body).sort(), ['code', 'error', 'message', 'statusCode']);
        assert.equal(body.statusCode, c.status);
        assert.equal(body.code, c.code);
        assert.ok(body.message.length > 0);
        assert.doesNotMatch(res.body, /at .*\.js:\d+|SELECT|INSERT|stack/i, 'no internals leak');
      });
    }

    it('the right token, agent and account reads the job; a wildcard token reads either account', async () => {
      const ok = await h.app.inject({ method: 'GET', url: `${h.prefix(h.a.accountId)}/v1/job/${jobA}`, headers: h.headers(h.a) });
      assert.equal(ok.statusCode, 200);
      const wild = await h.tokenFor(['*'], 'viewer');
      const b = await h.app.inject({ method: 'GET', url: `${h.prefix(h.b.accountId)}/v1/job/${jobB}`, headers: h.headers(h.b, { authorization: `Bearer ${wild}` }) });
      assert.equal(b.statusCode, 200);
      assert.equal(b.json().job[0].id, jobB);
    });
  });
}
