import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { CbsError } from '../../errors/index.js';
import type { Volume, WorkingEnvironment } from '../model.js';
import { toVolume, toWorkingEnvironment } from '../rows.js';
import type { Database } from '../schema.js';

/**
 * Insert-if-absent, then update the fields of an existing one (its createdAt kept).
 * Run in a write transaction; instances registering the same WE at once do not fail.
 */
export async function upsertWorkingEnvironment(
  db: Kysely<Database>, we: Omit<WorkingEnvironment, 'createdAt'>, now: number,
): Promise<WorkingEnvironment> {
  const fields = { agent_id: we.agentId, name: we.name, svm: we.svm, driver: we.driver, root: we.root };
  await db.insertInto('working_environments').values({ id: we.id, account_id: we.accountId, created_at: now, ...fields })
    .onConflict((oc) => oc.column('id').doNothing()).execute();
  const updated = await db.updateTable('working_environments').set(fields)
    .where('id', '=', we.id).where('account_id', '=', we.accountId).returningAll().executeTakeFirst();
  if (updated === undefined) throw new CbsError('CONFLICT', `working environment ${we.id} is registered by another account`);
  return toWorkingEnvironment(updated);
}

export async function getWorkingEnvironment(db: Kysely<Database>, accountId: string, id: string): Promise<WorkingEnvironment | undefined> {
  const r = await db.selectFrom('working_environments').selectAll()
    .where('id', '=', id).where('account_id', '=', accountId).executeTakeFirst();
  return r === undefined ? undefined : toWorkingEnvironment(r);
}

export async function listWorkingEnvironments(db: Kysely<Database>, accountId: string): Promise<WorkingEnvironment[]> {
  const rows = await db.selectFrom('working_environments').selectAll().where('account_id', '=', accountId).orderBy('name').orderBy('id').execute();
  return rows.map(toWorkingEnvironment);
}

/** Insert-if-absent on (WE, name), then read back: the first id given to a volume name is its id forever. */
export async function upsertVolume(db: Kysely<Database>, v: { workingEnvironmentId: string; name: string }, now: number): Promise<Volume> {
  await db.insertInto('volumes')
    .values({ id: randomUUID(), working_environment_id: v.workingEnvironmentId, name: v.name, created_at: now })
    .onConflict((oc) => oc.columns(['working_environment_id', 'name']).doNothing())
    .execute();
  const r = await db.selectFrom('volumes').selectAll()
    .where('working_environment_id', '=', v.workingEnvironmentId).where('name', '=', v.name).executeTakeFirstOrThrow();
  return toVolume(r);
}

export async function listVolumes(db: Kysely<Database>, workingEnvironmentId: string): Promise<Volume[]> {
  const rows = await db.selectFrom('volumes').selectAll().where('working_environment_id', '=', workingEnvironmentId).orderBy('name').execute();
  return rows.map(toVolume);
}
