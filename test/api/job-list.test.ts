import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { storeMatrix } from '../../src/store/testing/store-matrix.js';
import { apiHarness, type ApiHarness } from '../helpers/api-harness.js';
import { assertSeedShape } from '../helpers/seed-schema.js';

for (const m of storeMatrix()) {
  describe(`GET …/v1/job listing (${m.name})`, () => {
    let h: ApiHarness;
    let destroy: () => Promise<void>;
    const ids: string[] = [];
    before(async () => {
      const s = await m.open();
      destroy = s.destroy;
      h = await apiHarness(s.store);
      const base = Date.now() - 100_000;
      // 25 jobs with distinct times, alternating types; two share a timestamp to test the id tie-break.
      for (let i = 0; i < 25; i++) {
        const j = await h.store.createJob({
          accountId: h.a.accountId, workingEnvironmentId: i % 5 === 0 ? 'we-other' : h.a.weId,
          type: i % 2 ? 'backup-volume' : 'restore-volume',
          tasks: [{ agentId: h.a.agentId, kind: 'x', payload: {} }],
        }, base + (i === 24 ? 23 : i) * 10);
        ids.push(j.id);
      }
      // one job of tenant B that A must never see
      await h.store.createJob({ accountId: h.b.accountId, workingEnvironmentId: h.b.weId, type: 'backup-volume', tasks: [] });
    });
    after(async () => { await h.app.close(); await destroy(); });

    const list = async (q: string) => {
      const res = await h.app.inject({ method: 'GET', url: `${h.prefix(h.a.accountId)}/v1/job${q}`, headers: h.headers(h.a) });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assertSeedShape(body);
      return body as { job: Array<{ id: string; time: number; type: string; status: string; 'working-environment-id': string }>; 'next-cursor'?: string };
    };

    it('lists the account\'s jobs newest first, never another account\'s', async () => {
      const body = await list('');
      assert.equal(body.job.length, 25);
      for (let i = 1; i < body.job.length; i++) {
        const p = body.job[i - 1]!, c = body.job[i]!;
        assert.ok(p.time > c.time || (p.time === c.time && p.id > c.id), 'time desc, then id desc');
      }
      assert.equal(body['next-cursor'], undefined);
    });

    it('filters by type, status and working-environment-id', async () => {
      assert.ok((await list('?type=backup-volume')).job.every((j) => j.type === 'backup-volume'));
      assert.equal((await list('?type=backup-volume')).job.length, 12);
      assert.equal((await list('?status=PENDING')).job.length, 25);
      assert.equal((await list('?status=COMPLETED')).job.length, 0);
      const we = await list(`?working-environment-id=we-other`);
      assert.equal(we.job.length, 5);
      assert.ok(we.job.every((j) => j['working-environment-id'] === 'we-other'));
    });

    it('accepts the documented maximum limit of 1000', async () => {
    assert.equal((await list('?limit=1000')).job.length, 25);
  });

  it('pages with limit and cursor without duplicates or gaps', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const body = await list(`?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
        assert.ok(body.job.length <= 7);
        seen.push(...body.job.map((j) => j.id));
        cursor = body['next-cursor'];
        pages++;
      } while (cursor);
      assert.equal(pages, 4);
      assert.equal(new Set(seen).size, 25);
      assert.deepEqual(seen, (await list('')).job.map((j) => j.id));
      assert.deepEqual(new Set(seen), new Set(ids));
    });
  });
}
