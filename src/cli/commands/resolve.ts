import type { ApiClient } from '../client.js';
import { CliError } from '../output.js';

export interface WeJson { id: string; name: string; svm: string; status: string; 'agent-id': string; 'total-volumes-count': string }
export interface VolumeJson { name: string; 'file-system-id': string; status: string; svm: string; capacity: { allocated: number; used: number } }
export interface SnapshotJson { id: string; name: string; 'creation-time': number; size: number }

/** A WE named by id or name; without one, the only WE, else the embedded `local`. */
export async function resolveWe(client: ApiClient, we: string | undefined): Promise<WeJson> {
  const all = (await client.get<{ 'working-environment': WeJson[] }>('/v1/working-environment'))['working-environment'];
  if (we !== undefined) {
    const m = all.find((w) => w.id === we) ?? all.find((w) => w.name === we);
    if (!m) throw new CliError(`no working environment ${JSON.stringify(we)} (see \`cbs we ls\`)`);
    return m;
  }
  if (all.length === 1) return all[0]!;
  const local = all.find((w) => w.name === 'local');
  if (local) return local;
  throw new CliError(`several working environments: choose one with --we (${all.map((w) => w.name).join(', ')})`);
}

/** A volume named by file-system-id or name. */
export async function resolveVolume(client: ApiClient, we: WeJson, vol: string): Promise<VolumeJson> {
  const all = (await client.get<{ volume: VolumeJson[] }>(`/v1/working-environment/${encodeURIComponent(we.id)}/volume`)).volume;
  const m = all.find((v) => v['file-system-id'] === vol) ?? all.find((v) => v.name === vol);
  if (!m) throw new CliError(`no volume ${JSON.stringify(vol)} in working environment ${we.name} (see \`cbs volume ls\`)`);
  return m;
}

/** A backup named by id, unique id prefix, name, or `latest`. */
export async function resolveBackup(client: ApiClient, we: WeJson, v: VolumeJson, ref: string): Promise<SnapshotJson> {
  const all = (await client.get<{ snapshot: SnapshotJson[] }>(`/v1/backup/working-environment/${encodeURIComponent(we.id)}/volume/${encodeURIComponent(v['file-system-id'])}/snapshot`)).snapshot;
  if (ref === 'latest') {
    const newest = [...all].sort((a, b) => b['creation-time'] - a['creation-time'])[0];
    if (!newest) throw new CliError(`volume ${v.name} has no backup yet`);
    return newest;
  }
  const exact = all.find((s) => s.id === ref) ?? all.find((s) => s.name === ref);
  if (exact) return exact;
  const pre = all.filter((s) => s.id.startsWith(ref));
  if (pre.length === 1) return pre[0]!;
  throw new CliError(pre.length > 1 ? `backup prefix ${ref} is ambiguous` : `no backup ${JSON.stringify(ref)} of volume ${v.name} (see \`cbs backup ls ${v.name}\`)`);
}
