import type { CallPayload } from '../tasks/index.js';
import { BoundedHeap } from './bounded-heap.js';
import { DriverError } from './local-fs-driver.js';
import type { SnapshotEntry } from './engine.js';

/** Reads entries [offset, offset + limit) of a directory of a snapshot, in name order, and its size. */
export type ReadDirPage = (offset: number, limit: number) => Promise<{ entries: SnapshotEntry[]; total: number }>;

/** Entries read per engine call while scanning a directory for a filter or an order other than by name. */
export const SCAN_CHUNK = 5000;
/**
 * Sorting by size or mtime keeps the first `offset + limit` entries of that order in
 * memory; pages deeper than this are refused (name order pages any directory).
 */
export const MAX_SORTED_WINDOW = 100_000;

type Query = Pick<CallPayload<'list-snapshot'>, 'offset' | 'limit' | 'sortBy' | 'order' | 'fileType' | 'nameContains'>;

/**
 * One page of a directory of a backup, filtered and ordered as asked, from name-ordered
 * pages of the engine. Name order without a filter reads only the page; a filter scans
 * the directory in chunks keeping only the page; size or mtime order scans it keeping
 * the first offset + limit entries (at most MAX_SORTED_WINDOW). `total` counts the
 * entries that pass the filter. Ties in size or mtime are ordered by name; DESC reverses
 * the whole order, as the API always did.
 */
export async function snapshotPage(read: ReadDirPage, q: Query): Promise<{ entries: SnapshotEntry[]; total: number }> {
  const filter = matcher(q);
  const desc = q.order === 'DESC';
  if (q.sortBy === 'name' && !filter) {
    if (!desc) return read(q.offset, q.limit);
    const { total } = await read(0, 1);
    const end = total - q.offset;
    if (end <= 0) return { entries: [], total };
    const start = Math.max(0, end - q.limit);
    const page = await read(start, end - start);
    return { entries: page.entries.reverse(), total };
  }
  const keep = filter ?? (() => true);
  if (q.sortBy === 'name') {
    // Positions among the matching entries, in name order; DESC counts them first.
    const total = desc ? await count(read, keep) : undefined;
    const from = total === undefined ? q.offset : Math.max(0, total - q.offset - q.limit);
    const to = total === undefined ? q.offset + q.limit : total - q.offset;
    const picked: SnapshotEntry[] = [];
    let i = 0;
    await scan(read, (e) => {
      if (!keep(e)) return;
      if (i >= from && i < to) picked.push(e);
      i++;
    });
    return { entries: desc ? picked.reverse() : picked, total: total ?? i };
  }
  const window = q.offset + q.limit;
  if (window > MAX_SORTED_WINDOW) {
    throw new DriverError('VALIDATION_FAILED', `sorting by ${q.sortBy} pages through the first ${MAX_SORTED_WINDOW} entries; sort by name to page further`);
  }
  const key = q.sortBy;
  const dir = desc ? -1 : 1;
  const heap = new BoundedHeap<SnapshotEntry>(window, (x, y) => dir * (x[key] - y[key] || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0)));
  let total = 0;
  await scan(read, (e) => {
    if (!keep(e)) return;
    total++;
    heap.offer(e);
  });
  return { entries: heap.sorted().slice(q.offset), total };
}

function matcher(q: Query): ((e: SnapshotEntry) => boolean) | undefined {
  const needle = q.nameContains?.toLowerCase();
  if (q.fileType === undefined && needle === undefined) return undefined;
  return (e) => (q.fileType === undefined || (q.fileType === 'DIRECTORY') === (e.type === 'DIRECTORY'))
    && (needle === undefined || e.name.toLowerCase().includes(needle));
}

async function scan(read: ReadDirPage, each: (e: SnapshotEntry) => void): Promise<void> {
  for (let offset = 0; ; offset += SCAN_CHUNK) {
    const page = await read(offset, SCAN_CHUNK);
    for (const e of page.entries) each(e);
    if (page.entries.length === 0 || offset + page.entries.length >= page.total) return;
  }
}

async function count(read: ReadDirPage, keep: (e: SnapshotEntry) => boolean): Promise<number> {
  let n = 0;
  await scan(read, (e) => { if (keep(e)) n++; });
  return n;
}
