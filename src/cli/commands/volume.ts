import type { Command } from 'commander';
import { connect, type ConnectionFlags } from '../client.js';
import { formatBytes, printJson, table } from '../output.js';
import { resolveWe, type VolumeJson, type WeJson } from './resolve.js';
import { addConnectionOptions } from './job.js';

export function registerVolume(program: Command): void {
  const volume = program.command('volume').description('volumes of working environments');
  addConnectionOptions(volume.command('ls').description('list volumes (of every WE, or of --we)'))
    .option('--we <id|name>', 'only this working environment')
    .action(async (o: ConnectionFlags & { json?: boolean; we?: string }) => {
      const client = await connect(o);
      const wes = o.we !== undefined ? [await resolveWe(client, o.we)]
        : (await client.get<{ 'working-environment': WeJson[] }>('/v1/working-environment'))['working-environment'];
      const rows: Array<VolumeJson & { we: string }> = [];
      for (const we of wes) {
        const vs = (await client.get<{ volume: VolumeJson[] }>(`/v1/working-environment/${encodeURIComponent(we.id)}/volume`)).volume;
        rows.push(...vs.map((v) => ({ ...v, we: we.name })));
      }
      if (o.json) return printJson({ volume: rows.map(({ we: w, ...v }) => ({ ...v, 'working-environment-name': w })) });
      process.stdout.write(table(rows.map((v) => ({
        we: v.we, name: v.name, id: v['file-system-id'], status: v.status, used: formatBytes(v.capacity.used),
      })), ['we', 'name', 'id', 'status', 'used']));
    });
}
