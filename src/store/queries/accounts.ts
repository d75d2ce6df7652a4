import type { Kysely } from 'kysely';
import type { Account, Agent } from '../model.js';
import { toAccount, toAgent } from '../rows.js';
import type { Database } from '../schema.js';

export async function createAccount(db: Kysely<Database>, a: { id: string; name: string }, now: number): Promise<Account> {
  const r = await db.insertInto('accounts').values({ id: a.id, name: a.name, created_at: now }).returningAll().executeTakeFirstOrThrow();
  return toAccount(r);
}

export async function getAccount(db: Kysely<Database>, id: string): Promise<Account | undefined> {
  const r = await db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
  return r === undefined ? undefined : toAccount(r);
}

export async function listAccounts(db: Kysely<Database>): Promise<Account[]> {
  const rows = await db.selectFrom('accounts').selectAll().orderBy('id').execute();
  return rows.map(toAccount);
}

export async function createAgent(
  db: Kysely<Database>, a: { id: string; accountId: string; name: string; credentialHash: string }, now: number,
): Promise<Agent> {
  const r = await db.insertInto('agents')
    .values({ id: a.id, account_id: a.accountId, name: a.name, credential_hash: a.credentialHash, created_at: now, last_seen_at: null })
    .returningAll().executeTakeFirstOrThrow();
  return toAgent(r);
}

export async function getAgent(db: Kysely<Database>, id: string): Promise<Agent | undefined> {
  const r = await db.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst();
  return r === undefined ? undefined : toAgent(r);
}

export async function touchAgent(db: Kysely<Database>, id: string, now: number): Promise<void> {
  await db.updateTable('agents').set({ last_seen_at: now }).where('id', '=', id).execute();
}
