import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { storeMatrix } from '../../src/store/testing/store-matrix.js';
import { apiHarness, type ApiHarness } from '../helpers/api-harness.js';

const [first] = storeMatrix();

describe(`operational routes (${first!.name})`, () => {
  let h: ApiHarness;
  let destroy: () => Promise<void>;
  before(async () => {
    const s = await first!.open();
    destroy = s.destroy;
    h = await apiHarness(s.store);
  });
  after(async () => { await h.app.close(); await destroy(); });

  it('/healthz and /readyz answer without auth', async () => {
    assert.deepEqual((await h.app.inject('/healthz')).json(), { status: 'ok' });
    const r = await h.app.inject('/readyz');
    assert.equal(r.statusCode, 200);
  });

  it('/openapi.json documents the job routes with their parameters and the job schema', async () => {
    const doc = (await h.app.inject('/openapi.json')).json();
    assert.equal(doc.openapi, '3.0.3');
    const p = doc.paths['/account/{accountId}/providers/cloudmanager_cbs/api/v1/job/{jobId}'];
    assert.ok(p?.get, 'GET job route documented');
    const names = p.get.parameters.map((x: { name: string }) => x.name).sort();
    // OpenAPI 3 carries `authorization` as the bearer security scheme, not as a parameter.
    assert.deepEqual(names, ['accountId', 'jobId', 'x-agent-id']);
    assert.deepEqual(doc.components.securitySchemes.bearer, { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    assert.deepEqual(doc.security, [{ bearer: [] }]);
    const schema = p.get.responses['200'].content['application/json'].schema;
    const ref: string = schema.properties.job.items.$ref;
    assert.equal(ref, '#/components/schemas/job');
    const job = doc.components.schemas.job;
    for (const f of ['id', 'working-environment-id', 'type', 'status', 'error', 'time', 'data']) assert.ok(job.properties[f], `job.${f}`);
    assert.ok(doc.paths['/account/{accountId}/providers/cloudmanager_cbs/api/v1/job']?.get);
    const docs = await h.app.inject('/docs/');
    assert.ok([200, 302].includes(docs.statusCode));
  });

  it('/metrics exposes request counters and jobs by status', async () => {
    await h.store.createJob({ accountId: h.a.accountId, workingEnvironmentId: h.a.weId, type: 'backup-volume', tasks: [{ agentId: h.a.agentId, kind: 'x', payload: {} }] });
    await h.app.inject({ method: 'GET', url: `${h.prefix(h.a.accountId)}/v1/job`, headers: h.headers(h.a) });
    const text = (await h.app.inject('/metrics')).body;
    assert.match(text, /cbs_http_requests_total\{method="GET",route="\/account\/:accountId\/providers\/cloudmanager_cbs\/api\/v1\/job",status="200"\} 1/);
    assert.match(text, /cbs_jobs\{status="PENDING"\} 1/);
    assert.match(text, /cbs_http_request_duration_seconds_bucket/);
  });

  it('/readyz answers 503 STORE_UNAVAILABLE when the store is down', async () => {
    const s = await first!.open();
    const h2 = await apiHarness(s.store);
    await s.store.close();
    const r = await h2.app.inject('/readyz');
    assert.equal(r.statusCode, 503);
    assert.equal(r.json().code, 'STORE_UNAVAILABLE');
    await h2.app.close();
    await s.destroy().catch(() => undefined);
  });
});
