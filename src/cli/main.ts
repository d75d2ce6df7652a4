#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { registerServe } from './commands/serve.js';
import { registerToken } from './commands/token.js';
import { registerJob } from './commands/job.js';
import { registerAgent } from './commands/agent.js';
import { registerWe } from './commands/we.js';
import { registerVolume } from './commands/volume.js';
import { registerBackup } from './commands/backup.js';
import { registerBrowse } from './commands/browse.js';
import { registerRestore } from './commands/restore.js';
import { registerRepo } from './commands/repo.js';
import { registerKek } from './commands/kek.js';
import { errorOutcome } from '../errors/index.js';
import { cliEnvironment } from '../config/index.js';
import { CliError } from './output.js';

// Whatever a command creates (database, keys, credentials, buckets, repositories) is
// readable by this user only; restores set each file's recorded mode explicitly.
process.umask(0o077);

/**
 * `cbs` — every operation of OpenCBS from the shell. Errors print one line (with the
 * error code when the server gave one) and set a non-zero exit status; set CBS_DEBUG=1
 * for the stack.
 */
const program = new Command('cbs')
  .description('OpenCBS: self-hosted backup and recovery with the BlueXP backup API')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

registerServe(program);
registerToken(program);
registerJob(program);
registerAgent(program);
registerWe(program);
registerVolume(program);
registerBackup(program);
registerBrowse(program);
registerRestore(program);
registerRepo(program);
registerKek(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode;
  } else {
    const msg = e instanceof CliError ? e.message : (e as Error).message ?? String(e);
    // The same mapping the agent uses: a storage outage reads BUCKET_UNAVAILABLE here too.
    const { code } = errorOutcome(e);
    const shown = code !== 'INTERNAL' ? code : (e as { code?: string }).code;
    process.stderr.write(`cbs: ${msg}${shown && !(e instanceof CliError) && !msg.includes(shown) ? ` (${shown})` : ''}\n`);
    if (cliEnvironment().debug) process.stderr.write(`${(e as Error).stack ?? ''}\n`);
    process.exitCode = e instanceof CliError ? e.exitCode : 1;
  }
}
