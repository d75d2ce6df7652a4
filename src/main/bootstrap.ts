import { randomBytes } from 'node:crypto';
import type { JobStore } from '../store/job-store.js';
import { hashAgentSecret, HmacTokenService, newAccountId, newAgentId, newAgentSecret } from '../auth/index.js';
import { credentialsPath, readCredentials, writeCredentials, type Credentials } from './credentials.js';

export const SETTING_TOKEN_SECRET = 'token-secret';
export const SETTING_DEFAULT_ACCOUNT = 'default-account-id';
export const SETTING_EMBEDDED_AGENT = 'embedded-agent-id';
/** The embedded agent's secret, shared by every instance on the store so each can run the embedded agent. */
export const SETTING_EMBEDDED_AGENT_SECRET = 'embedded-agent-secret';
const ADMIN_TOKEN_TTL = 365 * 86400;

/** The token service over the secret every instance on this store shares (created on first use). */
export async function tokenService(store: JobStore): Promise<HmacTokenService> {
  const secret = await store.initSetting(SETTING_TOKEN_SECRET, randomBytes(32).toString('base64'));
  return new HmacTokenService(Buffer.from(secret, 'base64'));
}

/**
 * First start: create the default account, the embedded agent and an admin token, and
 * write credentials.json. Later starts reuse them; a missing or no-longer-valid token
 * (for example after the database was replaced) is issued again. Several instances
 * starting at once on one database agree through first-writer-wins settings.
 */
export async function bootstrap(store: JobStore, opts: { home: string; publicUrl: string }): Promise<Credentials & { agentSecret: string }> {
  const tokens = await tokenService(store);
  const accountId = await store.initSetting(SETTING_DEFAULT_ACCOUNT, newAccountId());
  if (!(await store.getAccount(accountId))) {
    await createIgnoringConflict(() => store.createAccount({ id: accountId, name: 'default' }));
  }
  const agentId = await store.initSetting(SETTING_EMBEDDED_AGENT, newAgentId());
  const agentSecret = await store.initSetting(SETTING_EMBEDDED_AGENT_SECRET, newAgentSecret());
  const existingAgent = await store.getAgent(agentId);
  if (!existingAgent) {
    await createIgnoringConflict(() => store.createAgent({ id: agentId, accountId, name: 'embedded', credentialHash: hashAgentSecret(agentSecret) }));
  } else if (existingAgent.credentialHash !== hashAgentSecret(agentSecret)) {
    await store.setAgentCredential(agentId, hashAgentSecret(agentSecret));
  }

  const path = credentialsPath(opts.home);
  const existing = await readCredentials(path).catch(() => undefined);
  let token = existing?.['account-id'] === accountId ? existing.token : undefined;
  if (token) {
    try {
      const p = await tokens.verify(token);
      if (!p.accounts.includes(accountId) || p.role !== 'admin') token = undefined;
    } catch {
      token = undefined;
    }
  }
  token ??= await tokens.sign({ subject: 'admin', accounts: [accountId], role: 'admin' }, ADMIN_TOKEN_TTL);
  const creds: Credentials = { server: opts.publicUrl, 'account-id': accountId, token, 'agent-id': agentId };
  if (JSON.stringify(creds) !== JSON.stringify(existing)) await writeCredentials(path, creds);
  return { ...creds, agentSecret };
}

async function createIgnoringConflict(f: () => Promise<unknown>): Promise<void> {
  try {
    await f();
  } catch (e) {
    if ((e as { code?: string }).code !== 'CONFLICT') throw e;
  }
}
