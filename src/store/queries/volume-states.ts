import type { Kysely } from 'kysely';
import type { Volume } from '../model.js';
import type { VolumeReport, VolumeState } from '../backup-model.js';
import type { Database } from '../schema.js';
import { upsertVolume, listVolumes } from './working-environments.js';

/**
 * An agent's discovery of a WE: every reported volume is upserted (its id is stable)
 * and marked online with its capacity; known volumes not reported are marked missing.
 * Run in a write transaction.
 */
export async function reportVolumes(db: Kysely<Database>, weId: string, reports: VolumeReport[], now: number): Promise<Volume[]> {
  const seen = new Set<string>();
  for (const r of reports) {
    const v = await upsertVolume(db, { workingEnvironmentId: weId, name: r.name }, now);
    seen.add(v.id);
    await db.insertInto('volume_states')
      .values({ volume_id: v.id, status: 'online', allocated: r.allocated, used: r.used, updated_at: now })
      .onConflict((oc) => oc.column('volume_id').doUpdateSet({ status: 'online', allocated: r.allocated, used: r.used, updated_at: now }))
      .execute();
  }
  const all = await listVolumes(db, weId);
  for (const v of all) {
    if (seen.has(v.id)) continue;
    await db.insertInto('volume_states')
      .values({ volume_id: v.id, status: 'missing', allocated: 0, used: 0, updated_at: now })
      .onConflict((oc) => oc.column('volume_id').doUpdateSet({ status: 'missing', updated_at: now }))
      .execute();
  }
  return all;
}

export async function listVolumeStates(db: Kysely<Database>, weId: string): Promise<VolumeState[]> {
  const rows = await db.selectFrom('volume_states').innerJoin('volumes', 'volumes.id', 'volume_states.volume_id')
    .select(['volume_states.volume_id', 'volume_states.status', 'volume_states.allocated', 'volume_states.used', 'volume_states.updated_at'])
    .where('volumes.working_environment_id', '=', weId).execute();
  return rows.map((r) => ({
    volumeId: r.volume_id, status: r.status as VolumeState['status'], allocated: Number(r.allocated),
    used: Number(r.used), updatedAt: r.updated_at,
  }));
}

