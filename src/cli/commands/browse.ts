import type { Command } from 'commander';
import { connect, type ConnectionFlags } from '../client.js';
import { formatBytes, formatTime, printJson, table } from '../output.js';
import { addConnectionOptions } from './job.js';
import { resolveBackup, resolveVolume, resolveWe } from './resolve.js';

export interface BrowseEntry { inode: number; name: string; path: string; type: string; size: number; mtime: number }

export function registerBrowse(program: Command): void {
  addConnectionOptions(program.command('browse')
    .argument('<volume>', 'volume name or id')
    .argument('<backup>', 'backup id, id prefix, name, or "latest"')
    .argument('[path]', 'directory inside the backup', '/')
    .description('list a directory of a backup'))
    .option('--we <id|name>', 'working environment (default: the only one, or "local")')
    .action(async (vol: string, ref: string, path: string, o: ConnectionFlags & { json?: boolean; we?: string }) => {
      const client = await connect(o);
      const we = await resolveWe(client, o.we);
      const v = await resolveVolume(client, we, vol);
      const s = await resolveBackup(client, we, v, ref);
      const entries: BrowseEntry[] = [];
      for (let page = 1; ; page++) {
        const r = await client.get<{ pageConfig: { next?: { page: number } }; context: BrowseEntry[] }>(
          `/v1/sfr/working-environment/${encodeURIComponent(we.id)}/volume/${encodeURIComponent(v['file-system-id'])}/snapshot/${encodeURIComponent(s.id)}/file-explore/list`,
          { path, page, limit: 1000 });
        entries.push(...r.context);
        if (!r.pageConfig.next) break;
      }
      if (o.json) return printJson({ context: entries });
      process.stdout.write(table(entries.map((e) => ({
        type: e.type === 'DIRECTORY' ? 'dir' : e.type.toLowerCase(), size: e.type === 'FILE' ? formatBytes(e.size) : '',
        mtime: formatTime(e.mtime), path: e.path,
      })), ['type', 'size', 'mtime', 'path']));
    });
}
