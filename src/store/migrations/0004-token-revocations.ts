import type { Kysely } from 'kysely';
import type { Migration } from './migration.js';

/**
 * Revoked bearer tokens, by id (`jti`). An entry is kept until `expires_at`, the
 * latest time the token could still be accepted; every instance re-reads the list
 * every second or so, which is how a revocation reaches them all.
 */
export const tokenRevocations: Migration = {
  version: 4,
  name: 'token-revocations',
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.createTable('revoked_tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('revoked_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('revoked_tokens_expiry').on('revoked_tokens').column('expires_at').execute();
  },
};
