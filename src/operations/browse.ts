import type { Static } from '@sinclair/typebox';
import { CbsError } from '../errors/index.js';
import type { BrowseEntry } from '../tasks/index.js';
import { callAgent } from './agent-calls.js';
import { normalizeBrowsePath } from './browse-path.js';
import type { OperationsDeps } from './deps.js';
import { backupOf, volumeOf, weOf } from './lookups.js';

export type Entry = Static<typeof BrowseEntry>;

/**
 * Browsing pages inside the agent call: the control plane asks the WE's agent for the
 * page it needs and never holds a directory. An agent may answer fewer entries than
 * asked (long names: its answers stay far below the body limit); the page is then
 * completed with further calls.
 */

export interface LivePageRequest {
  accountId: string;
  weId: string;
  volumeId: string;
  /** A directory of the volume; '/' or undefined for its root. */
  path?: string;
  /** The page starts after this name (the last name of the previous page). */
  after?: string;
  /** 1 to MAX_BROWSE_PAGE */
  limit: number;
}

export interface LivePage {
  /** In name order (JavaScript string order). */
  entries: Entry[];
  /** Entries in the directory. */
  total: number;
  /** Whether names follow the last entry of this page. */
  more: boolean;
}

/** A page of a live directory of a volume, asked of its agent (`list-live`). */
export async function browseLive(deps: OperationsDeps, r: LivePageRequest): Promise<LivePage> {
  const we = await weOf(deps.store, r.accountId, r.weId);
  const v = await volumeOf(deps.store, we, r.volumeId);
  const path = normalizeBrowsePath(r.path, 'path');
  const to = { accountId: we.accountId, agentId: we.agentId };
  const entries: Entry[] = [];
  let after = r.after;
  for (;;) {
    const a = await callAgent(deps, to, 'list-live', { weId: we.id, volumeName: v.name, path, limit: r.limit - entries.length, ...(after === undefined ? {} : { after }) });
    entries.push(...a.entries);
    const last = a.entries[a.entries.length - 1];
    if (!a.more || !last || entries.length >= r.limit) return { entries, total: a.total, more: a.more && last !== undefined };
    after = last.name;
  }
}

export interface BackupPageRequest {
  accountId: string;
  weId: string;
  volumeId: string;
  /** A backup id of the volume. */
  snapshotId: string;
  path?: string;
  /** 1-based */
  page: number;
  limit: number;
  /** @default name */
  sortBy?: 'name' | 'size' | 'mtime';
  /** @default ASC */
  orderBy?: 'ASC' | 'DESC';
  /** @default ALL */
  fileType?: 'FILE' | 'DIRECTORY' | 'ALL';
  /** Only entries whose name contains this, case-insensitive. */
  name?: string;
}

export interface BackupPage {
  entries: Array<Entry & { path: string }>;
  /** Entries in the directory that pass the filters. */
  total: number;
  /** 0-based index of the first entry of the page; endIndex: after its last. */
  startIndex: number;
  endIndex: number;
}

/** A page of a directory of a backup, asked of the WE's agent (`list-snapshot`), which opens the repository. */
export async function browseBackup(deps: OperationsDeps, r: BackupPageRequest): Promise<BackupPage> {
  const we = await weOf(deps.store, r.accountId, r.weId);
  const v = await volumeOf(deps.store, we, r.volumeId);
  const b = await backupOf(deps.store, we, v, r.snapshotId);
  const path = normalizeBrowsePath(r.path, 'path');
  const start = (r.page - 1) * r.limit;
  if (!Number.isSafeInteger(start)) throw new CbsError('VALIDATION_FAILED', 'query parameter "page" is too large', { details: { field: 'page' } });
  const to = { accountId: we.accountId, agentId: we.agentId };
  const filters = {
    sortBy: r.sortBy ?? 'name', order: r.orderBy ?? 'ASC',
    ...(r.fileType && r.fileType !== 'ALL' ? { fileType: r.fileType } : {}),
    ...(r.name ? { nameContains: r.name } : {}),
  } as const;
  const entries: Entry[] = [];
  let total = 0;
  for (;;) {
    const a = await callAgent(deps, to, 'list-snapshot', {
      weId: we.id, snapshotId: b.id, path, offset: start + entries.length, limit: r.limit - entries.length, ...filters,
    });
    entries.push(...a.entries);
    total = a.total;
    if (a.entries.length === 0 || entries.length >= r.limit || start + entries.length >= total) break;
  }
  const prefix = path === '/' ? '/' : `${path}/`;
  const startIndex = Math.min(start, total);
  return {
    entries: entries.map((e) => ({ ...e, path: prefix + e.name })),
    total, startIndex, endIndex: startIndex + entries.length,
  };
}
