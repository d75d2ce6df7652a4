import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import { openJobStore } from '../../store/open.js';
import { tokenService } from '../../main/bootstrap.js';
import { ROLES, parseTtl, type Role, ACCOUNT_ID_RE } from '../../auth/index.js';
import { CliError, printJson } from '../output.js';

export function registerToken(program: Command): void {
  const token = program.command('token').description('bearer tokens for the API');
  token.command('create')
    .description('sign a token with the server secret (run where the server\'s database is reachable)')
    .requiredOption('--account <id>', 'account id the token may act on, or "*" for all accounts')
    .option('--role <role>', `one of ${ROLES.join(', ')}`, 'admin')
    .option('--ttl <duration>', 'lifetime: seconds or 90s, 15m, 12h, 30d, 1y', '30d')
    .option('--subject <name>', 'who the token is for', 'cli')
    .option('--home <dir>', 'state directory (env CBS_HOME)')
    .option('--database-url <url>', 'job store (env CBS_DATABASE_URL)')
    .option('--json', 'print JSON')
    .action(async (o: { account: string; role: string; ttl: string; subject: string; home?: string; databaseUrl?: string; json?: boolean }) => {
      if (!(ROLES as readonly string[]).includes(o.role)) throw new CliError(`--role must be one of ${ROLES.join(', ')}`);
      if (o.account !== '*' && !ACCOUNT_ID_RE.test(o.account)) throw new CliError('--account must look like account-XXXXXXXX (or be "*")');
      let ttl: number;
      try { ttl = parseTtl(o.ttl); } catch (e) { throw new CliError(`--ttl: ${(e as Error).message}`); }
      const cfg = loadConfig({ ...(o.home ? { home: o.home } : {}), ...(o.databaseUrl ? { databaseUrl: o.databaseUrl } : {}) });
      const store = await openJobStore({ url: cfg.store.url });
      try {
        await store.migrate();
        if (o.account !== '*' && !(await store.getAccount(o.account))) throw new CliError(`account ${o.account} does not exist`);
        const svc = await tokenService(store);
        const jwt = await svc.sign({ subject: o.subject, accounts: [o.account], role: o.role as Role }, ttl);
        const expires = new Date(Date.now() + ttl * 1000).toISOString();
        if (o.json) printJson({ token: jwt, account: o.account, role: o.role, expires });
        else process.stdout.write(jwt + '\n');
      } finally {
        await store.close();
      }
    });
}
