import type { Command } from 'commander';
import { loadConfig, type ConfigInput } from '../../config/index.js';
import { startServer } from '../../main/server.js';

export function registerServe(program: Command): void {
  program.command('serve')
    .description('run the control plane (API, job store, lease sweeper) on the embedded default or PostgreSQL')
    .option('--home <dir>', 'state directory (env CBS_HOME)', undefined)
    .option('--host <host>', 'listen address (env CBS_HOST)', undefined)
    .option('--port <port>', 'listen port (env CBS_PORT)', undefined)
    .option('--database-url <url>', 'sqlite:/path/cbs.db or postgres://… (env CBS_DATABASE_URL)', undefined)
    .option('--public-url <url>', 'URL written into credentials.json (env CBS_PUBLIC_URL)', undefined)
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (env CBS_LOG_LEVEL)', undefined)
    .option('--embedded-agent <bool>', 'run the embedded agent: true|false (env CBS_EMBEDDED_AGENT)', undefined)
    .option('--volumes-root <dir>', 'root of the embedded agent\'s working environment "local" (env CBS_VOLUMES_ROOT)', undefined)
    .option('--buckets-root <dir>', 'where LOCAL buckets are created (env CBS_BUCKETS_ROOT)', undefined)
    .option('--kek-file <file>', 'key-encryption key, shared by every instance of the store (env CBS_KEK_FILE; default $CBS_HOME/kek)', undefined)
    .option('--token-secret-file <file>', 'token secret, shared by every instance of the store (env CBS_TOKEN_SECRET_FILE; default $CBS_HOME/token-secret)', undefined)
    .option('--token-max-ttl <duration>', 'longest accepted token lifetime, e.g. 90d (env CBS_TOKEN_MAX_TTL)', undefined)
    .action(async (o: ConfigInput) => {
      const cfg = loadConfig(o);
      const ac = new AbortController();
      const server = await startServer(cfg, { signal: ac.signal });
      process.stderr.write(`OpenCBS listening on ${server.url}\n  account   ${server.credentials['account-id']}\n  agent id  ${server.credentials['agent-id']}\n  credentials ${cfg.home}/credentials.json\n`);
      await new Promise<void>((resolve) => {
        const onSignal = () => { ac.abort(); void server.stop().then(resolve); };
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
      });
    });
}
