import type { Command } from 'commander';
import { connect, type ConnectionFlags } from '../client.js';
import { printJson, table } from '../output.js';
import type { WeJson } from './resolve.js';
import { addConnectionOptions } from './job.js';

export function registerWe(program: Command): void {
  const we = program.command('we').description('working environments (registered by their agents)');
  addConnectionOptions(we.command('ls').description('list working environments'))
    .action(async (o: ConnectionFlags & { json?: boolean }) => {
      const client = await connect(o);
      const res = await client.get<{ 'working-environment': WeJson[] }>('/v1/working-environment');
      if (o.json) return printJson(res);
      process.stdout.write(table(res['working-environment'].map((w) => ({
        id: w.id, name: w.name, svm: w.svm, status: w.status, volumes: w['total-volumes-count'], agent: w['agent-id'],
      })), ['id', 'name', 'svm', 'status', 'volumes', 'agent']));
    });
}
