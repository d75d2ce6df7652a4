import { posix } from 'node:path';
import type { Command } from 'commander';
import { connect, type ApiClient } from '../client.js';
import { CliError } from '../output.js';
import { addConnectionOptions } from './job.js';
import { finishJob, withWait } from './backup.js';
import type { BrowseEntry } from './browse.js';
import { resolveBackup, resolveVolume, resolveWe, type SnapshotJson, type VolumeJson, type WeJson } from './resolve.js';

type Flags = { json?: boolean; we?: string; targetWe?: string; wait?: boolean; interval?: string; server?: string; token?: string; account?: string; agentId?: string; credentials?: string };

async function source(client: ApiClient, o: Flags, vol: string, ref: string): Promise<{ we: WeJson; v: VolumeJson; s: SnapshotJson; bucket: string }> {
  const we = await resolveWe(client, o.we);
  const v = await resolveVolume(client, we, vol);
  const s = await resolveBackup(client, we, v, ref);
  const b = await client.get<{ bucket: string }>(`/v1/backup/working-environment/${encodeURIComponent(we.id)}`);
  return { we, v, s, bucket: b.bucket };
}

function sourceBody(x: { we: WeJson; v: VolumeJson; s: SnapshotJson; bucket: string }) {
  return {
    'working-environment-id': x.we.id, 'working-environment-name': x.we.name, bucket: x.bucket,
    'volume-name': x.v.name, 'volume-id': x.v['file-system-id'], snapshot: x.s.id,
  };
}

/** The browse entry of each path, as a file restore body echoes it (inode, type, size, mtime). */
async function entriesOf(client: ApiClient, x: { we: WeJson; v: VolumeJson; s: SnapshotJson }, paths: string[]): Promise<BrowseEntry[]> {
  const byDir = new Map<string, BrowseEntry[]>();
  const out: BrowseEntry[] = [];
  for (const raw of paths) {
    const p = posix.join('/', raw);
    const dir = posix.dirname(p);
    let list = byDir.get(dir);
    if (!list) {
      list = [];
      for (let page = 1; ; page++) {
        const r = await client.get<{ pageConfig: { next?: unknown }; context: BrowseEntry[] }>(
          `/v1/sfr/working-environment/${encodeURIComponent(x.we.id)}/volume/${encodeURIComponent(x.v['file-system-id'])}/snapshot/${encodeURIComponent(x.s.id)}/file-explore/list`,
          { path: dir, page, limit: 1000 });
        list.push(...r.context);
        if (!r.pageConfig.next) break;
      }
      byDir.set(dir, list);
    }
    const e = list.find((x2) => x2.path === p);
    if (!e) throw new CliError(`${p} is not in backup ${x.s.name}`);
    out.push(e);
  }
  return out;
}

export function registerRestore(program: Command): void {
  const restore = program.command('restore').description('restore a volume, a folder or files from a backup');

  withWait(addConnectionOptions(restore.command('volume')
    .argument('<volume>', 'source volume name or id').argument('<backup>', 'backup id, prefix, name or "latest"')
    .requiredOption('--to <name>', 'name of the new volume')
    .description('restore a backup as a new volume')))
    .option('--we <id|name>', 'source working environment')
    .option('--target-we <id|name>', 'target working environment (default: the source one)')
    .action(async (vol: string, ref: string, o: Flags & { to: string }) => {
      const client = await connect(o);
      const x = await source(client, o, vol, ref);
      const t = o.targetWe ? await resolveWe(client, o.targetWe) : x.we;
      const r = await client.post<{ 'job-id': string }>('/v3/restore', { restore: {
        type: 'volume', source: sourceBody(x),
        target: { 'working-environment-id': t.id, 'working-environment-name': t.name, svm: t.svm, 'volume-name': o.to },
      } });
      await finishJob(client, r['job-id'], o);
    });

  for (const kind of ['folder', 'files'] as const) {
    const c = restore.command(kind)
      .argument('<volume>', 'source volume name or id').argument('<backup>', 'backup id, prefix, name or "latest"')
      .argument(kind === 'folder' ? '<path>' : '<path...>', kind === 'folder' ? 'folder inside the backup' : 'files inside the backup')
      .option('--to-volume <name>', 'existing target volume (default: the source volume)')
      .option('--path <dir>', 'directory in the target volume to restore into', '/')
      .description(kind === 'folder' ? 'restore one folder into an existing volume' : 'restore files into an existing volume');
    withWait(addConnectionOptions(c))
      .option('--we <id|name>', 'source working environment')
      .option('--target-we <id|name>', 'target working environment (default: the source one)')
      .action(async (vol: string, ref: string, paths: string | string[], o: Flags & { toVolume?: string; path: string }) => {
        const client = await connect(o);
        const x = await source(client, o, vol, ref);
        const t = o.targetWe ? await resolveWe(client, o.targetWe) : x.we;
        const list = Array.isArray(paths) ? paths : [paths];
        const files = await entriesOf(client, x, list);
        if (kind === 'folder' && files[0]!.type !== 'DIRECTORY') throw new CliError(`${files[0]!.path} is not a folder`);
        const r = await client.post<{ 'job-id': string }>('/v3/restore', { restore: {
          type: kind === 'folder' ? 'folder' : 'file', source: sourceBody(x),
          target: { 'working-environment-id': t.id, 'working-environment-name': t.name, svm: t.svm, 'volume-name': o.toVolume ?? x.v.name, path: o.path },
          file: files.map((f) => ({ inode: f.inode, path: f.path, type: f.type, size: f.size, mtime: f.mtime })),
        } });
        await finishJob(client, r['job-id'], o);
      });
  }
}
