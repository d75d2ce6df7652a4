import { sql, type Kysely } from 'kysely';
import type { Migration } from './migration.js';

/**
 * Task outcomes applied where the task finishes:
 *  - `job_entries.skipped`: items a backup could not read (JSON {count, paths}), on its volume entry;
 *  - a backup target follows its activation job in the transaction that ends the job, so
 *    targets left ACTIVATING by jobs that already ended (the status used to be patched
 *    when read) are set from their job once, here.
 */
export const taskOutcomes: Migration = {
  version: 5,
  name: 'task-outcomes',
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('job_entries').addColumn('skipped', 'text').execute();
    await sql`update backup_targets set status = 'ON'
      where status = 'ACTIVATING' and job_id in (select id from jobs where status = 'COMPLETED')`.execute(db);
    await sql`update backup_targets set status = 'FAILED'
      where status = 'ACTIVATING' and job_id in (select id from jobs where status = 'FAILED')`.execute(db);
  },
};
