import { createHash, hkdfSync } from 'node:crypto';
import type { JobStore } from '../store/job-store.js';
import { hashAgentSecret, HmacTokenService, newAccountId, newAgentId, type Principal } from '../auth/index.js';
import { credentialsPath, readCredentials, writeCredentials, type Credentials } from './credentials.js';
import { loadSharedSecret, replaceSharedSecret, type SharedSecretSpec } from './shared-secret.js';

/** Where versions before the token-secret file kept the token secret: moved to the file on start, then removed. */
export const SETTING_TOKEN_SECRET = 'token-secret';
/** The store's check value of the token secret (see shared-secret.ts). */
export const SETTING_TOKEN_SECRET_CHECK = 'token-secret-check';
export const SETTING_DEFAULT_ACCOUNT = 'default-account-id';
export const SETTING_EMBEDDED_AGENT = 'embedded-agent-id';
/** Where earlier versions kept the embedded agent's secret in plain text; removed on start (the secret is now derived). */
export const SETTING_EMBEDDED_AGENT_SECRET = 'embedded-agent-secret';

export interface TokenSecretOptions {
  /** The token-secret file. @default $CBS_HOME/token-secret (Config.secrets.tokenSecretFile) */
  tokenSecretFile: string;
  /** Longest token lifetime, seconds (Config.tokens.maxTtlSeconds). */
  maxTtlSeconds: number;
  onNote?: (note: string) => void;
}

/** What the server signs with, and what is derived from the same secret. */
export interface TokenKeys {
  readonly service: HmacTokenService;
  /**
   * The embedded agent's secret: derived from the token secret (HKDF-SHA256), so every
   * instance given the token-secret file computes the same one and the store keeps
   * only its hash, as for every other agent.
   */
  embeddedAgentSecret(agentId: string): string;
}

function tokenSecretSpec(o: Pick<TokenSecretOptions, 'tokenSecretFile' | 'onNote'>): SharedSecretSpec {
  return {
    what: 'token secret', file: o.tokenSecretFile, fileSetting: 'CBS_TOKEN_SECRET_FILE', bytes: 32,
    legacySetting: SETTING_TOKEN_SECRET, checkSetting: SETTING_TOKEN_SECRET_CHECK,
    ...(o.onNote ? { onNote: o.onNote } : {}),
  };
}

/** The embedded agent's secret: HKDF-SHA256 of the token secret, bound to the agent's id. */
export function deriveEmbeddedAgentSecret(tokenSecret: Buffer, agentId: string): string {
  return Buffer.from(hkdfSync('sha256', tokenSecret, Buffer.alloc(0), `opencbs embedded agent secret\0${agentId}`, 32)).toString('base64url');
}

function keysOf(secret: Buffer, maxTtlSeconds: number): TokenKeys {
  return {
    service: new HmacTokenService(secret, { maxTtlSeconds }),
    embeddedAgentSecret: (agentId) => deriveEmbeddedAgentSecret(secret, agentId),
  };
}

/**
 * The token service over the secret in the token-secret file (0600, beside the
 * database, never in it; shared by every instance of the store by giving them the
 * same file). The first start creates it; an install that kept it in the store's
 * settings has it moved out.
 */
export async function openTokenKeys(store: Pick<JobStore, 'getSetting' | 'initSetting' | 'deleteSetting'>, o: TokenSecretOptions): Promise<TokenKeys> {
  return keysOf(await loadSharedSecret(store, tokenSecretSpec(o)), o.maxTtlSeconds);
}

/**
 * `cbs token rotate-secret`: a new token secret, so that every token issued so far is
 * refused (and a lost token-secret file can be replaced). Instances must be restarted
 * with the new file; `cbs serve` issues a new admin token into credentials.json.
 */
export async function rotateTokenSecret(store: Pick<JobStore, 'setSetting' | 'deleteSetting'>, o: Pick<TokenSecretOptions, 'tokenSecretFile'>): Promise<void> {
  await replaceSharedSecret({ file: o.tokenSecretFile, bytes: 32, checkSetting: SETTING_TOKEN_SECRET_CHECK }, async (_next, check) => {
    await store.setSetting(SETTING_TOKEN_SECRET_CHECK, check);
    await store.deleteSetting(SETTING_TOKEN_SECRET, { purge: true });
  });
}

export interface BootstrapOptions {
  home: string;
  publicUrl: string;
  keys: TokenKeys;
}

/**
 * First start: create the default account, the embedded agent and an admin token, and
 * write credentials.json. Later starts reuse them (see ensureAdminToken). Several
 * instances starting at once on one database agree through first-writer-wins settings.
 */
export async function bootstrap(store: JobStore, opts: BootstrapOptions): Promise<Credentials & { agentSecret: string }> {
  const accountId = await store.initSetting(SETTING_DEFAULT_ACCOUNT, newAccountId());
  if (!(await store.getAccount(accountId))) {
    await createIgnoringConflict(() => store.createAccount({ id: accountId, name: 'default' }));
  }
  const agentId = await store.initSetting(SETTING_EMBEDDED_AGENT, newAgentId());
  const agentSecret = opts.keys.embeddedAgentSecret(agentId);
  const hash = hashAgentSecret(agentSecret);
  const existingAgent = await store.getAgent(agentId);
  if (!existingAgent) {
    await createIgnoringConflict(() => store.createAgent({ id: agentId, accountId, name: 'embedded', credentialHash: hash }));
  } else if (existingAgent.credentialHash !== hash) {
    await store.setAgentCredential(agentId, hash);
  }
  // Earlier versions kept the embedded agent's secret itself in the store.
  if ((await store.getSetting(SETTING_EMBEDDED_AGENT_SECRET)) !== undefined) await store.deleteSetting(SETTING_EMBEDDED_AGENT_SECRET, { purge: true });
  const creds = await ensureAdminToken(store, { ...opts, accountId, agentId });
  return { ...creds, agentSecret };
}

/**
 * Keeps a valid admin token in credentials.json: the one there is kept while it is
 * valid, not revoked and has more than half of the maximum lifetime left; otherwise a
 * new one with the maximum lifetime is written. `cbs serve` calls this at start and
 * periodically, so the token of a long-running server never runs out.
 */
export async function ensureAdminToken(
  store: Pick<JobStore, 'listRevokedTokens'>,
  opts: BootstrapOptions & { accountId: string; agentId: string },
): Promise<Credentials> {
  const { service } = opts.keys;
  const path = credentialsPath(opts.home);
  const existing = await readCredentials(path).catch(() => undefined);
  let token = existing?.['account-id'] === opts.accountId ? existing.token : undefined;
  if (token !== undefined) {
    let p: Principal | undefined;
    try {
      p = await service.verify(token);
    } catch {
      p = undefined;
    }
    const renewAt = Date.now() / 1000 + service.maxTtlSeconds / 2;
    const id = p?.tokenId;
    const revoked = id !== undefined && (await store.listRevokedTokens()).some((r) => r.id === id);
    if (!p || !p.accounts.includes(opts.accountId) || p.role !== 'admin' || (p.expiresAt ?? 0) < renewAt || revoked) token = undefined;
  }
  token ??= await service.sign({ subject: 'admin', accounts: [opts.accountId], role: 'admin' }, service.maxTtlSeconds);
  const creds: Credentials = { server: opts.publicUrl, 'account-id': opts.accountId, token, 'agent-id': opts.agentId };
  if (JSON.stringify(creds) !== JSON.stringify(existing)) await writeCredentials(path, creds);
  return creds;
}

async function createIgnoringConflict(f: () => Promise<unknown>): Promise<void> {
  try {
    await f();
  } catch (e) {
    if ((e as { code?: string }).code !== 'CONFLICT') throw e;
  }
}
