import type { Kysely } from 'kysely';
import type { Migration } from './migration.js';

/**
 * claimTask orders an agent's PENDING tasks by (created_at, job_id, position); with
 * the whole order in the index the oldest task is read off it, where the first index
 * (agent_id, status, created_at) left a sort over all of the agent's queued tasks.
 */
export const claimOrderIndex: Migration = {
  version: 3,
  name: 'claim-order-index',
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.dropIndex('tasks_claim').execute();
    await db.schema.createIndex('tasks_claim').on('tasks')
      .columns(['agent_id', 'status', 'created_at', 'job_id', 'position']).execute();
  },
};
