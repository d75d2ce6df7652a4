import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/index.js';
import { HmacTokenService, newAgentId, type Role } from '../../src/auth/index.js';
import type { JobStore } from '../../src/store/job-store.js';

/**
 * A built (not listening) app over a real store with two tenants, A and B, each with
 * an agent, a working environment and an admin token. Requests go through app.inject().
 */
export interface Tenant {
  accountId: string;
  agentId: string;
  weId: string;
  token: string;
}

export interface ApiHarness {
  app: FastifyInstance;
  store: JobStore;
  tokens: HmacTokenService;
  a: Tenant;
  b: Tenant;
  headers(t: Tenant, over?: Record<string, string | undefined>): Record<string, string>;
  prefix(accountId: string): string;
  tokenFor(accounts: string[], role: Role, ttlSeconds?: number): Promise<string>;
}

let counter = 0;

export async function apiHarness(store: JobStore, opts: { bodyLimit?: number; webRoot?: string } = {}): Promise<ApiHarness> {
  const tokens = new HmacTokenService(randomBytes(32));
  const tag = `${process.pid.toString(36)}${(counter++).toString(36)}`.padEnd(6, '0').slice(0, 6);
  const mk = async (letter: string): Promise<Tenant> => {
    const accountId = `account-${letter}${letter}${tag}`.slice(0, 16);
    await store.createAccount({ id: accountId, name: `tenant ${letter}` });
    const agentId = newAgentId();
    await store.createAgent({ id: agentId, accountId, name: `agent ${letter}`, credentialHash: 'x' });
    const weId = `LocalWorkingEnvironment-${letter}${tag}`;
    await store.upsertWorkingEnvironment({ id: weId, accountId, agentId, name: `we-${letter}`, svm: 'svm0', driver: 'local-fs', root: `/tmp/we-${letter}` });
    const token = await tokens.sign({ subject: `admin-${letter}`, accounts: [accountId], role: 'admin' }, 3600);
    return { accountId, agentId, weId, token };
  };
  const a = await mk('A');
  const b = await mk('B');
  const app = await buildApp({ store, tokens, ...(opts.bodyLimit ? { bodyLimit: opts.bodyLimit } : {}), ...(opts.webRoot ? { webRoot: opts.webRoot } : {}) });
  await app.ready();
  return {
    app, store, tokens, a, b,
    headers(t, over = {}) {
      const h: Record<string, string | undefined> = { authorization: `Bearer ${t.token}`, 'x-agent-id': t.agentId, ...over };
      return Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as Record<string, string>;
    },
    prefix: (accountId) => `/account/${accountId}/providers/cloudmanager_cbs/api`,
    tokenFor: (accounts, role, ttl = 3600) => tokens.sign({ subject: 'test', accounts, role }, ttl),
  };
}
