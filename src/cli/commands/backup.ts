import { writeFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import type { JobJson } from '../../api/index.js';
import { cliEnvironment, CLI_ENV_VARS } from '../../config/index.js';
import { connect, type ApiClient, type ConnectionFlags } from '../client.js';
import { readSecretFile } from '../repo-access.js';
import { CliError, formatBytes, formatTime, printJson, table } from '../output.js';
import { watchJob } from '../watch.js';
import { describeJob, addConnectionOptions } from './job.js';
import { resolveBackup, resolveVolume, resolveWe, type SnapshotJson } from './resolve.js';

type Flags = ConnectionFlags & { json?: boolean; we?: string; wait?: boolean; interval?: string };

/**
 * Exit status of `cbs backup now` when its job COMPLETED but some items could not be
 * read (the backup was written without them; the job's error names the first). 1 is a
 * FAILED job or a refused request, 3 an unavailable server.
 */
export const EXIT_ITEMS_SKIPPED = 2;

/** Prints the job id (--no-wait) or follows the job to its end; exit status 1 when it FAILED. */
export async function finishJob(client: ApiClient, jobId: string, o: Flags): Promise<JobJson | undefined> {
  if (o.wait === false) {
    if (o.json) printJson({ 'job-id': jobId });
    else process.stdout.write(`${jobId}\n`);
    return undefined;
  }
  const j: JobJson = await watchJob(client, jobId, { intervalMs: Number(o.interval ?? 500), json: !!o.json });
  if (o.json) printJson({ job: [j] });
  else process.stdout.write(describeJob(j));
  if (j.status === 'FAILED') process.exitCode = 1;
  return j;
}

export function withWait(c: Command): Command {
  return c.option('--no-wait', 'print the job id and return at once')
    .option('--interval <ms>', 'poll interval while waiting', '500');
}

export function registerBackup(program: Command): void {
  const backup = program.command('backup').description('activate backup, back volumes up, list backups');

  withWait(addConnectionOptions(backup.command('activate').description('activate backup on a working environment (creates its repository)')))
    .option('--we <id|name>', 'working environment (default: the only one, or "local")')
    .option('--bucket <name>', 'bucket name (3-63 characters a-z 0-9 . _ -)', 'backups')
    .option('--provider <p>', 'LOCAL | AWS | SGWS | ONTAP_S3', 'LOCAL')
    .option('--path <dir>', 'LOCAL: the bucket directory (default $CBS_HOME/buckets/<bucket> on the server)')
    .option('--server-url <url>', 'SGWS / ONTAP_S3: storage server URL')
    .option('--region <r>', 'S3 region')
    .option('--access-key <k>', `S3 access key (env ${CLI_ENV_VARS.s3AccessKeyId})`)
    .option('--secret-key-file <file>', `file whose first line is the S3 secret key (or the secret itself in ${CLI_ENV_VARS.s3SecretAccessKey})`)
    .addOption(new Option('--secret-key <k>').hideHelp())
    .action(async (o: Flags & { bucket: string; provider: string; path?: string; serverUrl?: string; region?: string; accessKey?: string; secretKeyFile?: string; secretKey?: string }) => {
      if (o.secretKey !== undefined) {
        throw new CliError(`--secret-key no longer takes the secret (it would show in ps and shell history): use --secret-key-file FILE or ${CLI_ENV_VARS.s3SecretAccessKey}`);
      }
      const env = cliEnvironment();
      const secret = o.secretKeyFile ? await readSecretFile(o.secretKeyFile, 'S3 secret') : env.s3SecretAccessKey;
      const accessKey = o.accessKey ?? env.s3AccessKeyId;
      const client = await connect(o);
      const we = await resolveWe(client, o.we);
      const body: Record<string, unknown> = { provider: o.provider, bucket: o.bucket, ...(o.region ? { region: o.region } : {}) };
      if (o.provider === 'LOCAL' && o.path) body['local'] = { path: o.path };
      if (o.provider === 'SGWS') body['sgws'] = { 'storage-server': o.serverUrl, 'access-key': accessKey, 'secret-password': secret };
      if (o.provider === 'ONTAP_S3') body['ontap-s3'] = { 'storage-server': o.serverUrl, 'access-key': accessKey, 'secret-password': secret };
      if (o.provider === 'AWS') body['aws'] = { 'access-key': accessKey, 'secret-password': secret };
      const r = await client.post<{ 'job-id': string }>(`/v3/backup/working-environment/${encodeURIComponent(we.id)}`, body);
      await finishJob(client, r['job-id'], o);
    });

  withWait(addConnectionOptions(backup.command('now').argument('<volume...>', 'volume names or ids')
    .description(`back volumes up now; exit status ${EXIT_ITEMS_SKIPPED} when the backup completed but some items could not be read`)))
    .option('--we <id|name>', 'working environment (default: the only one, or "local")')
    .option('--name <name>', 'backup name (one volume only)')
    .action(async (vols: string[], o: Flags & { name?: string }) => {
      const client = await connect(o);
      const we = await resolveWe(client, o.we);
      const resolved = [];
      for (const v of vols) resolved.push(await resolveVolume(client, we, v));
      let jobId: string;
      if (resolved.length === 1) {
        const v = resolved[0]!;
        jobId = (await client.post<{ 'job-id': string }>(`/v3/backup/working-environment/${encodeURIComponent(we.id)}/volume/${encodeURIComponent(v['file-system-id'])}`,
          { mode: 'AD_HOC', ...(o.name ? { 'adhoc-backup-details': { name: o.name } } : {}) }))['job-id'];
      } else {
        if (o.name) throw new CliError('--name applies to a single volume');
        jobId = (await client.post<{ 'job-id': string }>(`/v2/backup/working-environment/${encodeURIComponent(we.id)}/volume`,
          { volume: resolved.map((v) => ({ 'volume-id': v['file-system-id'], mode: 'AD_HOC' })) }))['job-id'];
      }
      const j = await finishJob(client, jobId, o);
      const skipped = j?.['skipped-count'] ?? 0;
      if (j?.status === 'COMPLETED' && skipped > 0) {
        if (!o.json) process.stderr.write(`cbs: ${skipped} ${skipped === 1 ? 'item' : 'items'} could not be read and ${skipped === 1 ? 'is' : 'are'} not in the backup (see the error above)\n`);
        process.exitCode = EXIT_ITEMS_SKIPPED;
      }
    });

  addConnectionOptions(backup.command('export-key').description('export the repository key of a working environment (admin), for `cbs repo --key-file` without the server'))
    .option('--we <id|name>', 'working environment (default: the only one, or "local")')
    .requiredOption('--output <file>', 'write the key export here (mode 0600; must not exist)')
    .action(async (o: Flags & { output: string }) => {
      const client = await connect(o);
      const we = await resolveWe(client, o.we);
      const r = await client.get<{ 'key-export': string; location: string }>(`/v1/backup/working-environment/${encodeURIComponent(we.id)}/key-export`);
      await writeFile(o.output, r['key-export'] + '\n', { mode: 0o600, flag: 'wx' }).catch((e: NodeJS.ErrnoException) => {
        throw new CliError(`cannot write ${o.output}: ${e.code === 'EEXIST' ? 'file exists' : e.message}`);
      });
      if (o.json) return printJson({ output: o.output, location: r.location });
      process.stdout.write(`key export written to ${o.output}; open the repository with: cbs repo snapshots --repo ${r.location} --key-file ${o.output}\n`);
    });

  addConnectionOptions(backup.command('ls').argument('<volume>', 'volume name or id').description('list the backups of a volume, newest first'))
    .option('--we <id|name>', 'working environment (default: the only one, or "local")')
    .action(async (vol: string, o: Flags) => {
      const client = await connect(o);
      const we = await resolveWe(client, o.we);
      const v = await resolveVolume(client, we, vol);
      const res = await client.get<{ snapshot: SnapshotJson[] }>(`/v1/backup/working-environment/${encodeURIComponent(we.id)}/volume/${encodeURIComponent(v['file-system-id'])}/snapshot`);
      if (o.json) return printJson(res);
      process.stdout.write(table(res.snapshot.map((s) => ({
        id: s.id.slice(0, 12), name: s.name, created: formatTime(s['creation-time']), size: formatBytes(s.size),
      })), ['id', 'name', 'created', 'size']));
    });
}

export { resolveBackup };
