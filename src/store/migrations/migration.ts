import type { Kysely } from 'kysely';

/**
 * One numbered, forward-only schema change. `up` runs inside a transaction together
 * with the row recording it, so a migration is applied entirely or not at all.
 * Versions are never reused or renumbered once released.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  // Migrations see the database as it was when they were written, not today's typed schema.
  up(db: Kysely<any>): Promise<void>;
}
