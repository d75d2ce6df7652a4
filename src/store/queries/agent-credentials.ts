import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

/** Replaces an agent's credential hash (rotation, or the embedded agent re-keyed from settings). */
export async function setAgentCredential(db: Kysely<Database>, agentId: string, credentialHash: string): Promise<void> {
  await db.updateTable('agents').set({ credential_hash: credentialHash }).where('id', '=', agentId).execute();
}
