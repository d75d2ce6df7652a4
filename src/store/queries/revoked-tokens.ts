import type { Kysely } from 'kysely';
import type { RevokedToken } from '../model.js';
import type { Database } from '../schema.js';

/**
 * Records a revocation; revoking again keeps the later expiry. Entries whose expiry
 * has passed are removed on the way: the tokens they named are refused as expired.
 * Run in a write transaction.
 */
export async function revokeToken(db: Kysely<Database>, r: RevokedToken): Promise<void> {
  await db.deleteFrom('revoked_tokens').where('expires_at', '<=', r.revokedAt).execute();
  const prev = await db.selectFrom('revoked_tokens').select(['revoked_at', 'expires_at']).where('id', '=', r.id).executeTakeFirst();
  if (prev === undefined) {
    await db.insertInto('revoked_tokens').values({ id: r.id, revoked_at: r.revokedAt, expires_at: r.expiresAt }).execute();
  } else if (Number(prev.expires_at) < r.expiresAt) {
    await db.updateTable('revoked_tokens').set({ expires_at: r.expiresAt }).where('id', '=', r.id).execute();
  }
}

/** Revocations still in force at `now`, oldest first. */
export async function listRevokedTokens(db: Kysely<Database>, now: number): Promise<RevokedToken[]> {
  const rows = await db.selectFrom('revoked_tokens').selectAll().where('expires_at', '>', now)
    .orderBy('revoked_at').orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, revokedAt: Number(r.revoked_at), expiresAt: Number(r.expires_at) }));
}
