import type { Command } from 'commander';
import type { JobJson, JobListResponse } from '../../api/index.js';
import { connect, type ConnectionFlags } from '../client.js';
import { CliError, formatTime, printJson, table } from '../output.js';
import { watchJob } from '../watch.js';

export function addConnectionOptions(c: Command): Command {
  return c
    .option('--server <url>', 'server URL (env CBS_SERVER)')
    .option('--token <jwt>', 'bearer token (env CBS_TOKEN)')
    .option('--account <id>', 'account id (env CBS_ACCOUNT)')
    .option('--agent-id <id>', 'x-agent-id (env CBS_AGENT_ID)')
    .option('--credentials <file>', 'credentials file (default $CBS_HOME/credentials.json)')
    .option('--home <dir>', 'state directory whose credentials.json to use (env CBS_HOME)')
    .option('--json', 'print JSON');
}

type Flags = ConnectionFlags & { json?: boolean };

export function registerJob(program: Command): void {
  const job = program.command('job').description('follow long operations');

  addConnectionOptions(job.command('ls').description('list jobs, newest first'))
    .option('--type <type>', 'only jobs of this type')
    .option('--status <status>', 'PENDING | IN_PROGRESS | COMPLETED | FAILED')
    .option('--we <id>', 'only jobs of this working environment')
    .option('--limit <n>', 'at most this many (1-1000)', '20')
    .option('--cursor <c>', 'continue from a previous page')
    .action(async (o: Flags & { type?: string; status?: string; we?: string; limit: string; cursor?: string }) => {
      const client = await connect(o);
      const res = await client.get<JobListResponse>('/v1/job', {
        type: o.type, status: o.status, 'working-environment-id': o.we, limit: o.limit, cursor: o.cursor,
      });
      if (o.json) return printJson(res);
      process.stdout.write(table(res.job.map((j) => ({
        id: j.id, type: j.type, status: j.status, time: formatTime(j.time), error: j.error,
      })), ['id', 'type', 'status', 'time', 'error']));
      if (res['next-cursor']) process.stdout.write(`more: --cursor ${res['next-cursor']}\n`);
    });

  addConnectionOptions(job.command('show').argument('<jobId>').description('show one job'))
    .action(async (jobId: string, o: Flags) => {
      const client = await connect(o);
      const res = await client.get<{ job: JobJson[] }>(`/v1/job/${encodeURIComponent(jobId)}`);
      const j = res.job[0];
      if (!j) throw new CliError(`job ${jobId} not found`);
      if (o.json) return printJson(res);
      process.stdout.write(describeJob(j));
    });

  addConnectionOptions(job.command('watch').argument('<jobId>').description('follow a job until it is COMPLETED or FAILED (exit 0 / 1)'))
    .option('--interval <ms>', 'poll interval', '1000')
    .action(async (jobId: string, o: Flags & { interval: string }) => {
      const client = await connect(o);
      const j = await watchJob(client, jobId, { intervalMs: Number(o.interval), json: !!o.json });
      if (o.json) printJson({ job: [j] });
      else process.stdout.write(describeJob(j));
      if (j.status === 'FAILED') process.exitCode = 1;
    });
}

export function describeJob(j: JobJson): string {
  const lines = [
    `id          ${j.id}`,
    `type        ${j.type}`,
    `status      ${j.status}`,
    `we          ${j['working-environment-id']}`,
    `created     ${formatTime(j.time)}`,
  ];
  if (j['start-time']) lines.push(`started     ${formatTime(j['start-time'])}`);
  if (j['end-time']) lines.push(`ended       ${formatTime(j['end-time'])}`);
  if (j.error) lines.push(`error       ${j.error}`);
  if (j['skipped-count']) lines.push(`skipped     ${j['skipped-count']} items could not be read`);
  for (const v of j.data?.['multi-volume-backup']?.volume ?? []) {
    lines.push(`volume      ${v.id}  ${v.status}${v['snapshot-id'] ? `  backup ${v['snapshot-id']}` : ''}${v['skipped-count'] ? `  ${v['skipped-count']} skipped` : ''}${v.error ? `  ${v.error}` : ''}`);
  }
  const r = j.data?.restore;
  if (r) {
    lines.push(`restore     ${r.type}: ${r.source?.['volume-name'] ?? r.source?.['volume-id'] ?? ''}@${r.source?.snapshot ?? ''} → ${r.target?.['volume-name'] ?? ''}${r.target?.path ?? ''}`);
    for (const b of r.batch ?? []) lines.push(`batch       ${b.id}  ${b.status}  ${b.file.length} file(s)${b.error ? `  ${b.error}` : ''}`);
  }
  return lines.join('\n') + '\n';
}
