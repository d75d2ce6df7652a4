import { sql } from 'kysely';
import type { StoreDialect } from './dialect.js';
import type { Migration } from './migrations/index.js';

/**
 * Applies the migrations not yet recorded in schema_migrations, each in its own
 * transaction that first takes the dialect's migration lock, so instances starting
 * together apply each migration once. Returns the versions applied by this call.
 */
export async function runMigrations(d: StoreDialect, migrations: readonly Migration[]): Promise<number[]> {
  assertOrdered(migrations);
  const applied: number[] = [];
  for (const m of migrations) {
    const done = await d.db.transaction().execute(async (trx) => {
      await d.lockMigrations(trx);
      await sql`create table if not exists schema_migrations (
        version integer primary key, name text not null, applied_at bigint not null)`.execute(trx);
      const row = await trx.selectFrom('schema_migrations').select('version').where('version', '=', m.version).executeTakeFirst();
      if (row !== undefined) return false;
      await m.up(trx);
      await trx.insertInto('schema_migrations').values({ version: m.version, name: m.name, applied_at: Date.now() }).execute();
      return true;
    });
    if (done) applied.push(m.version);
  }
  return applied;
}

function assertOrdered(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${m.name} has version ${m.version}, expected ${i + 1}`);
  });
}
