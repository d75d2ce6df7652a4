import type { Kysely } from 'kysely';
import type { StoreDialect } from '../dialect.js';
import type { WrappedSecret } from '../backup-model.js';
import type { Database } from '../schema.js';
import { setSetting } from './settings.js';

/** Every value wrapped by the control plane's key-encryption key: the repository keys and provider credentials of backup targets. */
export async function listWrappedSecrets(db: Kysely<Database>): Promise<WrappedSecret[]> {
  const rows = await db.selectFrom('backup_targets').select(['working_environment_id', 'wrapped_key', 'wrapped_credentials'])
    .orderBy('working_environment_id').execute();
  return rows.map((r) => ({
    workingEnvironmentId: r.working_environment_id, wrappedKey: r.wrapped_key,
    ...(r.wrapped_credentials === null ? {} : { wrappedCredentials: r.wrapped_credentials }),
  }));
}

/**
 * Replaces every wrapped value by `rewrap(value)` and writes `settings`, together.
 * Returns the number of values re-wrapped. Run in a write transaction.
 */
export async function rewrapSecrets(
  d: StoreDialect, db: Kysely<Database>, rewrap: (wrapped: string) => string, settings: Record<string, string>,
): Promise<number> {
  const rows = await d.forUpdate(db.selectFrom('backup_targets').select(['working_environment_id', 'wrapped_key', 'wrapped_credentials'])).execute();
  let n = 0;
  for (const r of rows) {
    const creds = r.wrapped_credentials === null ? null : rewrap(r.wrapped_credentials);
    await db.updateTable('backup_targets').set({ wrapped_key: rewrap(r.wrapped_key), wrapped_credentials: creds })
      .where('working_environment_id', '=', r.working_environment_id).execute();
    n += creds === null ? 1 : 2;
  }
  for (const [key, value] of Object.entries(settings)) {
    await setSetting(db, key, value);
  }
  return n;
}
