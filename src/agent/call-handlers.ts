import type { CallHandlerTable } from '../tasks/index.js';
import type { AgentEngine, RepositoryRef } from './engine.js';
import { DriverError, type LocalFsDriver } from './local-fs-driver.js';
import { snapshotPage } from './snapshot-page.js';

/** What answering a call needs: the agent's WEs, the engine, and a WE's repository. */
export interface CallContext {
  drivers: ReadonlyMap<string, { name: string; driver: LocalFsDriver }>;
  engine: AgentEngine;
  repository(weId: string): Promise<RepositoryRef>;
}

/**
 * Largest answer (JSON bytes of the entries) a browse call sends: a quarter of the
 * smallest body limit a control plane runs with by default, so an answer never nears
 * it. A page whose entries would exceed it is answered in part; the control plane asks
 * for the rest.
 */
export const ANSWER_BUDGET_BYTES = 256 * 1024;

/** One handler per call kind of the task contract (src/tasks): the compiler checks the table is complete. */
export const CALL_HANDLERS: CallHandlerTable<CallContext> = {
  'list-live': async (ctx, p) => {
    const r = await driverOf(ctx, p.weId).listLive(p.volumeName, p.path, { limit: p.limit, ...(p.after === undefined ? {} : { after: p.after }) });
    const entries = withinBudget(r.entries);
    return { entries, total: r.total, more: r.more || entries.length < r.entries.length };
  },
  'list-snapshot': async (ctx, p) => {
    driverOf(ctx, p.weId);
    const repo = await ctx.repository(p.weId);
    const r = await snapshotPage((offset, limit) => ctx.engine.listDirPage(repo, p.snapshotId, p.path, { offset, limit }), p);
    return { entries: withinBudget(r.entries), total: r.total };
  },
  'export-key': async (ctx, p) => {
    driverOf(ctx, p.weId);
    return { keyExport: await ctx.engine.exportKey(await ctx.repository(p.weId)) };
  },
};

function driverOf(ctx: CallContext, weId: string): LocalFsDriver {
  const d = ctx.drivers.get(weId);
  if (!d) throw new DriverError('VALIDATION_FAILED', `working environment ${weId} is not served by this agent`);
  return d.driver;
}

/** The longest prefix of `entries` within ANSWER_BUDGET_BYTES (at least one entry: a single one is a few KiB at most). */
export function withinBudget<T>(entries: readonly T[], budget = ANSWER_BUDGET_BYTES): T[] {
  let bytes = 0;
  for (let i = 0; i < entries.length; i++) {
    bytes += Buffer.byteLength(JSON.stringify(entries[i])) + 1;
    if (bytes > budget && i > 0) return entries.slice(0, i);
  }
  return [...entries];
}
