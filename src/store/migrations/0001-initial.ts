import type { Kysely } from 'kysely';
import type { Migration } from './migration.js';

/**
 * The first schema. Times are epoch milliseconds (bigint); JSON columns are text on
 * both dialects (one codec); statuses are text checked by the application's ordered
 * lists, never compared as text in SQL.
 */
export const initial: Migration = {
  version: 1,
  name: 'initial',
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.createTable('settings')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();

    await db.schema.createTable('accounts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema.createTable('agents')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('credential_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_seen_at', 'bigint')
      .execute();
    await db.schema.createIndex('agents_account').on('agents').column('account_id').execute();

    await db.schema.createTable('working_environments')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
      .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('svm', 'text', (c) => c.notNull())
      .addColumn('driver', 'text', (c) => c.notNull())
      .addColumn('root', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('working_environments_account').on('working_environments').column('account_id').execute();

    await db.schema.createTable('volumes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('working_environment_id', 'text', (c) => c.notNull().references('working_environments.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('volumes_we_name', ['working_environment_id', 'name'])
      .execute();

    // No foreign key to working_environments: a job outlives a WE that is re-registered
    // or removed, and jobs of unknown WEs are still reported.
    await db.schema.createTable('jobs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
      .addColumn('working_environment_id', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('error', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('time', 'bigint', (c) => c.notNull())
      .addColumn('start_time', 'bigint')
      .addColumn('end_time', 'bigint')
      .addColumn('restore', 'text')
      .execute();
    await db.schema.createIndex('jobs_account_time').on('jobs').columns(['account_id', 'time desc', 'id desc']).execute();
    await db.schema.createIndex('jobs_account_status').on('jobs').columns(['account_id', 'status']).execute();
    await db.schema.createIndex('jobs_account_type').on('jobs').columns(['account_id', 'type']).execute();
    await db.schema.createIndex('jobs_status').on('jobs').column('status').execute();

    await db.schema.createTable('job_entries')
      .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('name', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('error', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('time', 'bigint', (c) => c.notNull())
      .addColumn('snapshot_id', 'text')
      .addColumn('files', 'text')
      .addPrimaryKeyConstraint('job_entries_pk', ['job_id', 'id'])
      .execute();

    await db.schema.createTable('tasks')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('agent_id', 'text', (c) => c.notNull())
      .addColumn('entry_id', 'text')
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('max_attempts', 'integer', (c) => c.notNull())
      .addColumn('lease_token', 'text')
      .addColumn('lease_expires_at', 'bigint')
      .addColumn('progress', 'text')
      .addColumn('result', 'text')
      .addColumn('error', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('tasks_claim').on('tasks').columns(['agent_id', 'status', 'created_at']).execute();
    await db.schema.createIndex('tasks_lease_expiry').on('tasks').columns(['status', 'lease_expires_at']).execute();
    await db.schema.createIndex('tasks_job').on('tasks').column('job_id').execute();
  },
};
