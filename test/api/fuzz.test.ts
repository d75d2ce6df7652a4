import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { InjectOptions } from 'fastify';
import { HmacTokenService } from '../../src/auth/index.js';
import { ERROR_REGISTRY } from '../../src/errors/index.js';
import { openJobStore } from '../../src/store/open.js';
import { SeededRandom, testSeed } from '../../src/testing/seeded-random.js';
import { apiHarness, type ApiHarness } from '../helpers/api-harness.js';

/**
 * Malformed and random requests over every route of the OpenAPI document (and the
 * hidden ones), with both kinds of credentials, against a real store: no answer is a
 * 5xx, every error has the registered body, the process survives, and memory does not
 * grow with the number of requests. Requests are generated from the routes' own
 * schemas, then bent: fields dropped, mistyped, oversized, unknown ones added, bodies
 * that are not JSON or not objects, junk in paths, query strings and headers.
 */
const REQUESTS = 10_000;
const SNAP = 'ab'.repeat(32);

type Schema = {
  type?: string | string[]; properties?: Record<string, Schema>; required?: string[]; items?: Schema; enum?: unknown[];
  anyOf?: Schema[]; oneOf?: Schema[]; const?: unknown; minimum?: number; maximum?: number; maxLength?: number;
  additionalProperties?: boolean | Schema;
};
interface Operation {
  method: string; path: string; params: Array<{ in: string; name: string; schema?: Schema }>; body?: Schema;
  /** Slow to answer and with nothing to fuzz (metrics, documents): asked a tenth as often. */
  rare?: boolean;
}

test('fuzz: 10,000 malformed and random requests over every route answer without a 5xx, in the error format, in bounded memory', { timeout: 240_000 }, async (t) => {
  const seed = testSeed();
  t.diagnostic(`seed ${seed} (replay with CBS_TEST_SEED=${seed})`);
  const rng = new SeededRandom(seed);
  const dir = await mkdtemp(join(tmpdir(), 'cbs-fuzz-'));
  const store = await openJobStore({ url: `sqlite:${join(dir, 'cbs.db')}`, migrate: true });
  let agentsDone: (() => Promise<void>) | undefined;
  try {
    const h = await apiHarness(store, { operations: { bucketsRoot: join(dir, 'buckets'), maxClaimWaitMs: 20, claimPollMs: 10, agentCallTimeoutMs: 10_000 } });
    const pools = await fixture(h);
    agentsDone = playAgents(h);
    const ops = operations(h);
    assert.ok(ops.length >= 30, `${ops.length} routes found`);
    const gc = collector();

    const statuses = new Map<number, number>();
    let baseline = 0;
    for (let i = 0; i < REQUESTS; i++) {
      const req = request(rng, ops, pools, h);
      const res = await h.app.inject(req);
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      const where = `request ${i} (seed ${seed}): ${req.method} ${String(req.url).slice(0, 300)}`;
      assert.ok(res.statusCode < 500, `${where} → ${res.statusCode} ${res.body.slice(0, 500)}`);
      if (res.statusCode >= 400 && req.method !== 'HEAD') {
        assert.match(String(res.headers['content-type']), /^application\/json/, `${where}: ${res.body.slice(0, 300)}`);
        const b = JSON.parse(res.body) as { statusCode?: unknown; code?: unknown; message?: unknown };
        assert.equal(b.statusCode, res.statusCode, `${where}: ${res.body.slice(0, 300)}`);
        assert.ok(typeof b.code === 'string' && b.code in ERROR_REGISTRY, `${where}: code ${String(b.code)}`);
        assert.ok(typeof b.message === 'string' && !/\n\s+at /.test(b.message), `${where}: ${res.body.slice(0, 300)}`);
      }
      if (i === 1000) baseline = gc();
    }
    const grown = gc() - baseline;
    t.diagnostic(`statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}; heap grew ${(grown / 2 ** 20).toFixed(1)} MiB over ${REQUESTS - 1000} requests`);
    assert.ok(grown < 48 * 2 ** 20, `heap grew ${grown} bytes`);
    assert.ok((statuses.get(200) ?? 0) + (statuses.get(202) ?? 0) > 100, 'enough requests were valid to reach the operations');
    assert.equal((await h.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    await agentsDone();
    await h.app.close();
  } finally {
    await agentsDone?.().catch(() => undefined);
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});

/** Heap in use after a full collection. */
function collector(): () => number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  return () => { gc(); gc(); return process.memoryUsage().heapUsed; };
}

interface Pools { values: Record<string, unknown[]>; lease: string; tokens: string[] }

/** A registered, activated WE with a backup, a running backup job with a leased task, and tokens of every kind. */
async function fixture(h: ApiHarness): Promise<Pools> {
  const we = await h.register(h.a, 'site', ['v1', 'v2']);
  await h.activate(h.a, we.id);
  const v1 = we.volumes[0]!;
  await h.store.recordBackup({ id: SNAP, accountId: h.a.accountId, workingEnvironmentId: we.id, volumeId: v1.id, name: 'b1', creationTime: 1, size: 10, jobId: 'j' });
  const job = await h.app.inject({ method: 'POST', url: `${h.prefix(h.a.accountId)}/v3/backup/working-environment/${we.id}/volume/${v1.id}`, headers: h.headers(h.a), payload: { mode: 'AD_HOC' } });
  const task = (await h.app.inject({ method: 'POST', url: '/agent/v1/tasks/claim?wait=0', headers: h.agentHeaders(h.a) })).json().task;
  const stranger = await new HmacTokenService(randomBytes(32)).sign({ subject: 'x', accounts: [h.a.accountId], role: 'admin' }, 3600);
  return {
    lease: task.leaseToken,
    tokens: [
      h.a.token, h.b.token, await h.tokenFor([h.a.accountId], 'operator'), await h.tokenFor([h.a.accountId], 'viewer'),
      await h.tokenFor(['*'], 'admin'), stranger, h.a.secret, 'x.y.z', '', 'a'.repeat(5000),
    ],
    values: {
      accountId: [h.a.accountId, h.b.accountId, 'account-00000000'],
      weId: [we.id, h.a.weId, h.b.weId], 'working-environment-id': [we.id, h.b.weId],
      volumeId: [v1.id, we.volumes[1]!.id], 'volume-id': [v1.id, we.volumes[1]!.id],
      snapshotId: [SNAP, 'b1'], snapshot: [SNAP, 'b1'],
      jobId: [job.json()['job-id'], '00000000-0000-4000-8000-000000000000'], taskId: [task.id], callId: ['00000000-0000-4000-8000-000000000001'],
      'volume-name': ['v1', 'v2', 'copy', '.hidden', '.cbs-x'], name: ['v1', 'site', 'b1'],
      path: ['/', '/docs', '/a/../b', '', '/x\u0000y'], leaseToken: [task.leaseToken],
      bucket: ['bucket1', 'b2b'], type: ['volume', 'file', 'folder', 'FILE'], provider: ['LOCAL', 'SGWS', 'AWS', 'ONTAP_S3'],
      task: [task.id], cursor: ['djE6MTox', 'bjE6YQ'],
    },
  };
}

/**
 * Plays the agents: each call the control plane makes is claimed and answered with a
 * well-formed result through /agent/v1, right after it is stored (no polling).
 */
function playAgents(h: ApiHarness): () => Promise<void> {
  const entry = { inode: 1, name: 'a', type: 'FILE', size: 1, mtime: 1 };
  const results: Record<string, unknown> = {
    'list-live': { entries: [entry], total: 1, more: false },
    'list-snapshot': { entries: [entry], total: 1 },
    'export-key': { keyExport: 'key' },
  };
  const pending = new Set<Promise<void>>();
  const answer = async (agentId: string): Promise<void> => {
    const t = [h.a, h.b].find((x) => x.agentId === agentId)!;
    const r = await h.app.inject({ method: 'POST', url: '/agent/v1/calls/claim?wait=0', headers: h.agentHeaders(t) });
    for (const c of (r.json() as { calls?: Array<{ id: string; kind: string }> }).calls ?? []) {
      await h.app.inject({ method: 'POST', url: `/agent/v1/calls/${c.id}/answer`, headers: h.agentHeaders(t), payload: { result: results[c.kind] } });
    }
  };
  const create = h.store.createAgentCall.bind(h.store);
  h.store.createAgentCall = async (c) => {
    const made = await create(c);
    const p = new Promise<void>((resolve) => setImmediate(resolve)).then(() => answer(c.agentId)).finally(() => pending.delete(p));
    pending.add(p);
    return made;
  };
  return async () => { await Promise.all(pending); };
}

function operations(h: ApiHarness): Operation[] {
  const doc = h.app.swagger() as { paths: Record<string, Record<string, { parameters?: Operation['params']; requestBody?: { content?: Record<string, { schema?: Schema }> } }>> };
  const out: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const body = op.requestBody?.content?.['application/json']?.schema;
      out.push({ method: method.toUpperCase(), path, params: op.parameters ?? [], ...(body ? { body } : {}) });
    }
  }
  // Routes the document hides, and none.
  for (const path of ['/metrics', '/openapi.json', '/docs', '/nope', '/agent/v1/nope']) out.push({ method: 'GET', path, params: [], rare: true });
  return out;
}

const JUNK_STRINGS = ['', ' ', 'null', '0', '-1', '1e309', 'NaN', '../../etc/passwd', '%2e%2e%2f', '%00', 'a/b', '\u202e\ud800', '🙂', '<script>', "' OR 1=1 --", 'x'.repeat(300)];

function junk(rng: SeededRandom, depth = 0): unknown {
  switch (rng.below(depth > 3 ? 6 : 9)) {
    case 0: return rng.pick(JUNK_STRINGS);
    case 1: return rng.pick([0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, Number.MAX_SAFE_INTEGER]);
    case 2: return rng.pick([true, false, null]);
    case 3: return rng.bytes(rng.int(0, 40)).toString('latin1');
    case 4: return 'y'.repeat(rng.next() < 0.9 ? 1000 : 70_000);
    case 5: return rng.bytes(rng.int(1, 20)).toString('base64');
    case 6: return Array.from({ length: rng.int(0, 4) }, () => junk(rng, depth + 1));
    case 7: return Object.fromEntries(Array.from({ length: rng.int(0, 4) }, (_, i) => [`k${i}${rng.pick(['', '-', '.', '$'])}`, junk(rng, depth + 1)]));
    default: return { __proto__: { polluted: true }, constructor: { prototype: { x: 1 } } };
  }
}

/** A value for `schema`, usually close to valid (known ids for known names), sometimes bent. */
function value(rng: SeededRandom, schema: Schema | undefined, name: string, pools: Pools, depth = 0, bend = 0.08): unknown {
  if (rng.next() < bend || depth > 6) return junk(rng, depth);
  const known = pools.values[name];
  if (known && rng.next() < 0.7) return rng.pick(known);
  if (!schema) return junk(rng, depth);
  const alts = schema.anyOf ?? schema.oneOf;
  if (alts) return value(rng, rng.pick(alts), name, pools, depth + 1, bend);
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return rng.next() < 0.9 ? rng.pick(schema.enum) : junk(rng, depth);
  const type = Array.isArray(schema.type) ? rng.pick(schema.type) : schema.type;
  switch (type) {
    case 'string': return rng.next() < 0.8 ? `${name}-${rng.below(5)}` : rng.pick(JUNK_STRINGS);
    case 'integer': case 'number':
      return rng.pick([schema.minimum ?? 0, schema.maximum ?? 100, 1, 3, (schema.minimum ?? 0) - 1, (schema.maximum ?? 1e6) + 1]);
    case 'boolean': return rng.next() < 0.5;
    case 'array': return Array.from({ length: rng.pick([0, 1, 1, 2, 3, bend ? 120 : 2]) }, () => value(rng, schema.items, name, pools, depth + 1, bend));
    case 'object': {
      const o: Record<string, unknown> = {};
      for (const [k, s] of Object.entries(schema.properties ?? {})) {
        const required = schema.required?.includes(k) ?? false;
        if (rng.next() < (required ? 1 - bend : 0.5)) o[k] = value(rng, s, k, pools, depth + 1, bend);
      }
      if (rng.next() < bend) o[rng.pick(['extra', 'color', '__proto__', 'constructor'])] = junk(rng, depth + 1);
      return o;
    }
    default: return junk(rng, depth);
  }
}

/** encodeURIComponent, also for strings with lone surrogates (as their UTF-8 replacement bytes). */
function percentEncoded(v: string): string {
  try {
    return encodeURIComponent(v);
  } catch {
    return encodeURIComponent(Buffer.from(v, 'utf8').toString('utf8'));
  }
}

function request(rng: SeededRandom, ops: readonly Operation[], pools: Pools, h: ApiHarness): InjectOptions {
  let op = rng.pick(ops);
  while (op.rare && rng.next() < 0.9) op = rng.pick(ops);
  // A third of the requests are well-formed and authorised (tenant A, known ids), to reach the operations behind the checks.
  const clean = rng.next() < 0.33;
  const bend = clean ? 0 : 0.08;
  const str = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v) ?? '');
  // Path: parameters from the pools, or junk (encoded so the URL stays a URL, now and then raw).
  let url = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const v = clean && pools.values[name] ? str(pools.values[name]![0]) : rng.next() < 0.8 ? str(value(rng, { type: 'string' }, name, pools)) : str(junk(rng));
    return rng.next() < 0.97 ? percentEncoded(v) : v.replace(/[?#\s]/g, '');
  });
  // Query: the route's parameters (some), unknown ones, repeats, raw junk.
  const q = new URLSearchParams();
  for (const p of op.params.filter((x) => x.in === 'query')) if (rng.next() < 0.5) q.append(p.name, str(value(rng, p.schema, p.name, pools, 0, bend)));
  if (!clean && rng.next() < 0.08) q.append(rng.pick(['unknown', 'limit', 'page', 'wait']), str(junk(rng)));
  const qs = q.toString();
  url += !clean && rng.next() < 0.03 ? rng.pick(['?%', '?a=%ZZ', '?&&=&', '?limit=1&limit=2', `?${'z'.repeat(5000)}=1`]) : qs ? `?${qs}` : '';
  if (!clean && rng.next() < 0.02) url = rng.pick(['//', '/account//providers', '/agent/v1/tasks//complete', `/${'a/'.repeat(200)}`, '/%c0%af']);

  // Credentials: the kind the route wants, the other kind, or junk; x-agent-id the same.
  const agentRoute = url.startsWith('/agent/v1') && !url.startsWith('/agent/v1/agents');
  const tenant = clean || rng.next() < 0.85 ? h.a : h.b;
  const headers: Record<string, string> = {};
  const auth = clean ? 0 : rng.next();
  if (auth < 0.7) headers['authorization'] = `Bearer ${agentRoute ? tenant.secret : tenant.token}`;
  else if (auth < 0.9) headers['authorization'] = `Bearer ${rng.pick(pools.tokens)}`;
  else if (auth < 0.95) headers['authorization'] = str(rng.pick(['Basic Zm9vOmJhcg==', 'Bearer', 'bearer  x y', 'Bearer\u0000x', ...JUNK_STRINGS])).replace(/[^\t\x20-\x7e]/g, '?');
  if (clean || rng.next() < 0.9) headers['x-agent-id'] = clean || rng.next() < 0.85 ? tenant.agentId : rng.pick([h.b.agentId, 'nope', 'x'.repeat(1000), '']);

  // Body: generated from the schema, bent, or not JSON at all.
  const withBody = op.body !== undefined ? rng.next() < 0.95 : rng.next() < 0.05;
  let payload: string | Buffer | undefined;
  if (withBody) {
    const shape = clean ? 0 : rng.next();
    if (shape < 0.8) payload = JSON.stringify(value(rng, op.body, 'body', pools, 0, bend));
    else if (shape < 0.87) payload = JSON.stringify(junk(rng));
    else if (shape < 0.92) payload = rng.pick(['{', '{"a":', 'nul', '[1,2', '"\\ud800"', '{"a":1}{"b":2}', ' ']);
    else if (shape < 0.95) payload = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    else if (shape < 0.98) payload = rng.bytes(rng.int(1, 2000));
    else payload = JSON.stringify({ restore: 'x'.repeat(1_100_000) });
    const ct = rng.next();
    headers['content-type'] = clean || ct < 0.85 ? 'application/json' : rng.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/octet-stream']);
  }
  return { method: !clean && rng.next() < 0.03 ? rng.pick(['DELETE', 'PATCH', 'PUT', 'OPTIONS', 'HEAD']) as InjectOptions['method'] : op.method as InjectOptions['method'], url, headers, ...(payload === undefined ? {} : { payload }) };
}
