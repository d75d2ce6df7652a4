/**
 * store — the job store: the control plane's durable state on SQLite or PostgreSQL.
 *  JobStore    the interface callers use (job-store.ts); openJobStore(url) picks the dialect
 *  dialect     the one seam where SQLite and PostgreSQL differ (dialect.ts)
 *  migration   a numbered, forward-only schema change applied in its own transaction
 *  entry       a sub-operation shown in a job (a volume, a restore batch)
 *  task        the unit an agent claims under a lease; jobs/ holds the lifecycle rules
 */
export * from './model.js';
export * from './backup-model.js';
export type { JobStore } from './job-store.js';
export { openJobStore, sqlitePathOf, type OpenJobStoreOptions } from './open.js';
