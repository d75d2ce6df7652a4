import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { randomUUID } from 'node:crypto';
import { storeMatrix } from '../../src/store/testing/store-matrix.js';
import { apiHarness, type ApiHarness } from '../helpers/api-harness.js';

const [first] = storeMatrix();

describe(`bad input gets a 4xx naming the problem and the server keeps serving (${first!.name})`, () => {
  let h: ApiHarness;
  let destroy: () => Promise<void>;
  let jobId: string;
  let port: number;
  before(async () => {
    const s = await first!.open();
    destroy = s.destroy;
    h = await apiHarness(s.store);
    jobId = (await h.store.createJob({ accountId: h.a.accountId, workingEnvironmentId: h.a.weId, type: 'backup-volume', tasks: [] })).id;
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    port = (h.app.server.address() as { port: number }).port;
  });
  after(async () => { await h.app.close(); await destroy(); });

  const cases: Array<[string, () => string, number, string, RegExp]> = [
    ['malformed job id', () => `${h.prefix(h.a.accountId)}/v1/job/not-a-uuid`, 400, 'VALIDATION_FAILED', /jobId/],
    ['job id with SQL', () => `${h.prefix(h.a.accountId)}/v1/job/${encodeURIComponent("1' OR '1'='1")}`, 400, 'VALIDATION_FAILED', /jobId/],
    ['malformed account id', () => `/account/acct/providers/cloudmanager_cbs/api/v1/job/${jobId}`, 400, 'VALIDATION_FAILED', /accountId/],
    ['unknown query parameter', () => `${h.prefix(h.a.accountId)}/v1/job?colour=red`, 400, 'VALIDATION_FAILED', /colour/],
    ['repeated query parameter', () => `${h.prefix(h.a.accountId)}/v1/job?limit=1&limit=2`, 400, 'VALIDATION_FAILED', /limit/],
    ['limit 0', () => `${h.prefix(h.a.accountId)}/v1/job?limit=0`, 400, 'VALIDATION_FAILED', /limit/],
    ['limit 1001', () => `${h.prefix(h.a.accountId)}/v1/job?limit=1001`, 400, 'VALIDATION_FAILED', /limit/],
    ['limit not a number', () => `${h.prefix(h.a.accountId)}/v1/job?limit=ten`, 400, 'VALIDATION_FAILED', /limit/],
    ['unknown status', () => `${h.prefix(h.a.accountId)}/v1/job?status=DONE`, 400, 'VALIDATION_FAILED', /status/],
    ['garbage cursor', () => `${h.prefix(h.a.accountId)}/v1/job?cursor=${encodeURIComponent('%%%garbage')}`, 400, 'INVALID_CURSOR', /cursor/],
    ['well-formed but foreign cursor', () => `${h.prefix(h.a.accountId)}/v1/job?cursor=${Buffer.from('hello').toString('base64url')}`, 400, 'INVALID_CURSOR', /cursor/],
    ['unknown route', () => `${h.prefix(h.a.accountId)}/v9/nothing`, 404, 'ROUTE_NOT_FOUND', /v9/],
  ];
  for (const [name, url, status, code, field] of cases) {
    it(`${name} → ${status} ${code}`, async () => {
      const res = await h.app.inject({ method: 'GET', url: url(), headers: h.headers(h.a) });
      assert.equal(res.statusCode, status, res.body);
      const body = res.json();
      assert.equal(body.code, code);
      assert.match(body.message, field);
    });
  }

  it('oversized headers are refused with 431 and the server keeps serving', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: `${h.prefix(h.a.accountId)}/v1/job/${jobId}`, headers: { ...h.headers(h.a), 'x-pad': 'p'.repeat(64 * 1024) } }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 431);
    const ok = await fetch(`http://127.0.0.1:${port}${h.prefix(h.a.accountId)}/v1/job/${jobId}`, { headers: h.headers(h.a) });
    assert.equal(ok.status, 200);
  });

  it('a burst of malformed requests never yields a 5xx', async () => {
    const urls = [
      `${h.prefix(h.a.accountId)}/v1/job/${randomUUID()}%00`, `${h.prefix(h.a.accountId)}/v1/job/%E0%A4%A`,
      `${h.prefix(h.a.accountId)}/v1/job?limit=-1`, `${h.prefix(h.a.accountId)}/v1/job?type=${'t'.repeat(5000)}`,
      `${h.prefix(h.a.accountId)}/v1/job?cursor=${'A'.repeat(1000)}`, `/account//providers/cloudmanager_cbs/api/v1/job`,
    ];
    for (const u of urls) {
      const res = await h.app.inject({ method: 'GET', url: u, headers: h.headers(h.a) });
      assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${u} → ${res.statusCode} ${res.body}`);
      assert.ok(typeof res.json().code === 'string');
    }
  });
});
