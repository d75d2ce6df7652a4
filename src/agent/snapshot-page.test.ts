import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SnapshotEntry } from './engine.js';
import { ANSWER_BUDGET_BYTES, withinBudget } from './call-handlers.js';
import { DriverError } from './local-fs-driver.js';
import { MAX_SORTED_WINDOW, SCAN_CHUNK, snapshotPage, type ReadDirPage } from './snapshot-page.js';

/** A name-ordered directory of n entries served a page at a time, counting the entries read. */
function dir(n: number): { read: ReadDirPage; all: SnapshotEntry[]; served: () => number } {
  const all = Array.from({ length: n }, (_, i): SnapshotEntry => ({
    inode: i, name: `e${String(i).padStart(6, '0')}${i % 3 === 0 ? '-log' : ''}`,
    type: i % 5 === 0 ? 'DIRECTORY' : 'FILE', size: (i * 7919) % 1000, mtime: (i * 104_729) % 5000,
  }));
  let served = 0;
  return {
    all,
    served: () => served,
    read: async (offset, limit) => {
      const entries = all.slice(offset, offset + limit);
      served += entries.length;
      return { entries, total: all.length };
    },
  };
}

const page = (q: Partial<Parameters<typeof snapshotPage>[1]>) => ({ offset: 0, limit: 10, sortBy: 'name' as const, order: 'ASC' as const, ...q });

test('name order without a filter reads only the page, either direction', async () => {
  const d = dir(50_000);
  const asc = await snapshotPage(d.read, page({ offset: 20, limit: 5 }));
  assert.deepEqual(asc.entries, d.all.slice(20, 25));
  assert.equal(asc.total, 50_000);
  const desc = await snapshotPage(d.read, page({ offset: 0, limit: 3, order: 'DESC' }));
  assert.deepEqual(desc.entries, d.all.slice(-3).reverse());
  assert.ok(d.served() <= 5 + 1 + 3, `read ${d.served()} entries`);
  assert.deepEqual((await snapshotPage(d.read, page({ offset: 49_999, limit: 5, order: 'DESC' }))).entries, [d.all[0]]);
  assert.deepEqual((await snapshotPage(d.read, page({ offset: 60_000, limit: 5, order: 'DESC' }))).entries, []);
});

test('filters and other orders scan in chunks and agree with filtering and sorting the whole directory', async () => {
  const d = dir(2 * SCAN_CHUNK + 123);
  const cmp = (key: 'size' | 'mtime', dirn: number) => (x: SnapshotEntry, y: SnapshotEntry) => dirn * (x[key] - y[key] || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  const files = d.all.filter((e) => e.type !== 'DIRECTORY');
  const logs = d.all.filter((e) => e.name.toLowerCase().includes('log'));
  const cases: Array<[Partial<Parameters<typeof snapshotPage>[1]>, SnapshotEntry[]]> = [
    [{ fileType: 'FILE', offset: 7, limit: 20 }, files],
    [{ fileType: 'DIRECTORY', order: 'DESC', offset: 3, limit: 9 }, d.all.filter((e) => e.type === 'DIRECTORY').reverse()],
    [{ nameContains: 'LOG', offset: 100, limit: 50 }, logs],
    [{ sortBy: 'size', offset: 40, limit: 30 }, [...d.all].sort(cmp('size', 1))],
    [{ sortBy: 'mtime', order: 'DESC', fileType: 'FILE', offset: 0, limit: 25 }, [...files].sort(cmp('mtime', -1))],
  ];
  for (const [q, expected] of cases) {
    const r = await snapshotPage(d.read, page(q));
    assert.equal(r.total, expected.length, JSON.stringify(q));
    assert.deepEqual(r.entries, expected.slice(q.offset ?? 0, (q.offset ?? 0) + (q.limit ?? 10)), JSON.stringify(q));
  }
  await assert.rejects(snapshotPage(d.read, page({ sortBy: 'size', offset: MAX_SORTED_WINDOW, limit: 1 })), (e: unknown) => e instanceof DriverError && e.code === 'VALIDATION_FAILED');
});

test('a browse answer stays within its byte budget however long the names, and keeps at least one entry', () => {
  const long = Array.from({ length: 1000 }, (_, i) => ({ inode: i, name: '\u0001'.repeat(255), type: 'FILE', size: 0, mtime: 0 }));
  const fitted = withinBudget(long);
  assert.ok(fitted.length > 0 && fitted.length < long.length);
  assert.ok(Buffer.byteLength(JSON.stringify(fitted)) <= ANSWER_BUDGET_BYTES + 2);
  assert.equal(withinBudget(long.slice(0, 1), 10).length, 1);
  assert.equal(withinBudget(long.slice(0, 5).map((e) => ({ ...e, name: 'a' }))).length, 5);
});
