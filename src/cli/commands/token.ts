import type { Command } from 'commander';
import { loadConfig, type Config, type ConfigInput } from '../../config/index.js';
import { openJobStore } from '../../store/open.js';
import type { JobStore } from '../../store/job-store.js';
import { openTokenKeys, rotateTokenSecret } from '../../main/bootstrap.js';
import { ROLES, parseTtl, type Role, ACCOUNT_ID_RE } from '../../auth/index.js';
import { CliError, printJson } from '../output.js';

interface StoreFlags { home?: string; databaseUrl?: string; tokenSecretFile?: string; tokenMaxTtl?: string; json?: boolean }

/** Options of the commands that work on the server's database and secret files directly. */
export function addStoreOptions(c: Command): Command {
  return c
    .option('--home <dir>', 'state directory (env CBS_HOME)')
    .option('--database-url <url>', 'job store (env CBS_DATABASE_URL)')
    .option('--json', 'print JSON');
}

/** Opens the server's store (migrated) with the configuration of the flags and environment, runs f, closes it. */
export async function withServerStore<T>(flags: ConfigInput, f: (store: JobStore, cfg: Config) => Promise<T>): Promise<T> {
  const cfg = loadConfig(flags);
  const store = await openJobStore({ url: cfg.store.url });
  try {
    await store.migrate();
    return await f(store, cfg);
  } finally {
    await store.close();
  }
}

const configOf = (o: StoreFlags): ConfigInput => ({
  ...(o.home ? { home: o.home } : {}), ...(o.databaseUrl ? { databaseUrl: o.databaseUrl } : {}),
  ...(o.tokenSecretFile ? { tokenSecretFile: o.tokenSecretFile } : {}), ...(o.tokenMaxTtl ? { tokenMaxTtl: o.tokenMaxTtl } : {}),
});

const secretOptions = (c: Command): Command => addStoreOptions(c)
  .option('--token-secret-file <file>', 'the token secret (env CBS_TOKEN_SECRET_FILE; default $CBS_HOME/token-secret)')
  .option('--token-max-ttl <duration>', 'longest token lifetime (env CBS_TOKEN_MAX_TTL; default 90d)');

/** `jti` and `exp` of a JWT, read without verifying it (enough to revoke it). */
function claimsOf(jwt: string): { jti?: unknown; exp?: unknown } {
  try {
    return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { jti?: unknown; exp?: unknown };
  } catch {
    throw new CliError('the argument looks like a token but its payload is not JSON');
  }
}

export function registerToken(program: Command): void {
  const token = program.command('token').description('bearer tokens for the API (run where the server\'s database and token-secret file are reachable)');
  secretOptions(token.command('create')
    .description('sign a token with the server secret; prints the token (stdout) and its id (stderr)')
    .requiredOption('--account <id>', 'account id the token may act on, or "*" for all accounts')
    .option('--role <role>', `one of ${ROLES.join(', ')}`, 'admin')
    .option('--ttl <duration>', 'lifetime: seconds or 90s, 15m, 12h, 30d, 1y (at most CBS_TOKEN_MAX_TTL)', '30d')
    .option('--subject <name>', 'who the token is for', 'cli'))
    .action(async (o: StoreFlags & { account: string; role: string; ttl: string; subject: string }) => {
      if (!(ROLES as readonly string[]).includes(o.role)) throw new CliError(`--role must be one of ${ROLES.join(', ')}`);
      if (o.account !== '*' && !ACCOUNT_ID_RE.test(o.account)) throw new CliError('--account must look like account-XXXXXXXX (or be "*")');
      let ttl: number;
      try { ttl = parseTtl(o.ttl); } catch (e) { throw new CliError(`--ttl: ${(e as Error).message}`); }
      await withServerStore(configOf(o), async (store, cfg) => {
        if (ttl > cfg.tokens.maxTtlSeconds) throw new CliError(`--ttl: ${o.ttl} is longer than the maximum token lifetime of ${cfg.tokens.maxTtlSeconds}s (CBS_TOKEN_MAX_TTL)`);
        if (o.account !== '*' && !(await store.getAccount(o.account))) throw new CliError(`account ${o.account} does not exist`);
        const { service } = await openTokenKeys(store, { tokenSecretFile: cfg.secrets.tokenSecretFile, maxTtlSeconds: cfg.tokens.maxTtlSeconds });
        const t = await service.issue({ subject: o.subject, accounts: [o.account], role: o.role as Role }, ttl);
        const expires = new Date(t.expiresAt * 1000).toISOString();
        if (o.json) return printJson({ token: t.token, id: t.id, account: o.account, role: o.role, expires });
        process.stderr.write(`token id ${t.id} (expires ${expires}; revoke with: cbs token revoke ${t.id})\n`);
        process.stdout.write(t.token + '\n');
      });
    });

  secretOptions(token.command('revoke')
    .description('revoke a token by its id (or give the token itself): refused on every instance within seconds')
    .argument('<id>', 'the token id printed by `cbs token create` (the `jti` claim), or the token'))
    .action(async (arg: string, o: StoreFlags) => {
      let id = arg;
      let exp: number | undefined;
      if (arg.split('.').length === 3) {
        const c = claimsOf(arg);
        if (typeof c.jti !== 'string' || c.jti === '') throw new CliError('this token has no id (jti): it cannot be revoked alone; rotate the token secret (cbs token rotate-secret) to void every token');
        id = c.jti;
        if (typeof c.exp === 'number') exp = c.exp * 1000;
      }
      if (!/^[A-Za-z0-9._:-]{1,200}$/.test(id)) throw new CliError('a token id is 1 to 200 characters of A-Z a-z 0-9 . _ : -');
      await withServerStore(configOf(o), async (store, cfg) => {
        const now = Date.now();
        const r = { id, revokedAt: now, expiresAt: exp ?? now + cfg.tokens.maxTtlSeconds * 1000 };
        await store.revokeToken(r);
        if (o.json) return printJson({ id, 'revoked-at': r.revokedAt, 'expires-at': r.expiresAt });
        process.stdout.write(`token ${id} revoked (kept on the list until ${new Date(r.expiresAt).toISOString()})\n`);
      });
    });

  secretOptions(token.command('rotate-secret')
    .description('replace the token secret: every token issued so far is refused; restart every instance with the new file'))
    .action(async (o: StoreFlags) => {
      await withServerStore(configOf(o), async (store, cfg) => {
        await rotateTokenSecret(store, { tokenSecretFile: cfg.secrets.tokenSecretFile });
        if (o.json) return printJson({ 'token-secret-file': cfg.secrets.tokenSecretFile });
        process.stdout.write(`new token secret in ${cfg.secrets.tokenSecretFile}: every earlier token is refused. `
          + 'Copy the file to every control-plane instance of this store and restart them; cbs serve writes a new admin token to credentials.json.\n');
      });
    });
}
