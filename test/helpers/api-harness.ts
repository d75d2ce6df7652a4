import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApp, type OperationsOptions } from '../../src/api/index.js';
import { hashAgentSecret, HmacTokenService, newAgentId, type Role } from '../../src/auth/index.js';
import { AesGcmKeyVault } from '../../src/main/key-vault.js';
import type { JobStore } from '../../src/store/job-store.js';

/**
 * A built (not listening) app over a real store with two tenants, A and B, each with
 * an agent (and its secret), a working environment and an admin token. Requests go
 * through app.inject(). With `operations`, the app also has the agent protocol and the
 * WE / backup / restore / browse routes, and the helpers below play an agent.
 */
export interface Tenant {
  accountId: string;
  agentId: string;
  /** The agent's secret (its hash is stored). */
  secret: string;
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
  /** Headers of t's agent on /agent/v1. */
  agentHeaders(t: Tenant): Record<string, string>;
  prefix(accountId: string): string;
  tokenFor(accounts: string[], role: Role, ttlSeconds?: number): Promise<string>;
  /** t's agent registers WE `we` with these volumes; the WE's id and its volumes' ids. */
  register(t: Tenant, we: string, volumes: string[]): Promise<{ id: string; volumes: Array<{ id: string; name: string }> }>;
  /** Activates backup (LOCAL, bucket `bucket1`) on the WE and plays its agent for the init task. */
  activate(t: Tenant, weId: string): Promise<void>;
}

let counter = 0;

export async function apiHarness(store: JobStore, opts: { bodyLimit?: number; operations?: Partial<OperationsOptions>; webRoot?: string } = {}): Promise<ApiHarness> {
  const tokens = new HmacTokenService(randomBytes(32));
  const tag = `${process.pid.toString(36)}${(counter++).toString(36)}`.padEnd(6, '0').slice(0, 6);
  const mk = async (letter: string): Promise<Tenant> => {
    const accountId = `account-${letter}${letter}${tag}`.slice(0, 16);
    await store.createAccount({ id: accountId, name: `tenant ${letter}` });
    const agentId = newAgentId();
    const secret = randomBytes(16).toString('hex');
    await store.createAgent({ id: agentId, accountId, name: `agent ${letter}`, credentialHash: hashAgentSecret(secret) });
    const weId = `LocalWorkingEnvironment-${letter}${tag}`;
    await store.upsertWorkingEnvironment({ id: weId, accountId, agentId, name: `we-${letter}`, svm: 'svm0', driver: 'local-fs', root: `/tmp/we-${letter}` });
    const token = await tokens.sign({ subject: `admin-${letter}`, accounts: [accountId], role: 'admin' }, 3600);
    return { accountId, agentId, secret, weId, token };
  };
  const a = await mk('A');
  const b = await mk('B');
  const app = await buildApp({
    store, tokens, ...(opts.bodyLimit ? { bodyLimit: opts.bodyLimit } : {}),
    ...(opts.operations ? { keys: new AesGcmKeyVault(randomBytes(32)), operations: opts.operations } : {}),
    ...(opts.webRoot ? { webRoot: opts.webRoot } : {}),
  });
  await app.ready();
  const prefix = (accountId: string): string => `/account/${accountId}/providers/cloudmanager_cbs/api`;
  const agentHeaders = (t: Tenant): Record<string, string> => ({ authorization: `Bearer ${t.secret}`, 'x-agent-id': t.agentId });
  const headers = (t: Tenant, over: Record<string, string | undefined> = {}): Record<string, string> => {
    const h: Record<string, string | undefined> = { authorization: `Bearer ${t.token}`, 'x-agent-id': t.agentId, ...over };
    return Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as Record<string, string>;
  };
  return {
    app, store, tokens, a, b, headers, agentHeaders, prefix,
    tokenFor: (accounts, role, ttl = 3600) => tokens.sign({ subject: 'test', accounts, role }, ttl),
    async register(t, we, volumes) {
      const r = await app.inject({ method: 'PUT', url: '/agent/v1/working-environments', headers: agentHeaders(t), payload: {
        workingEnvironments: [{ name: we, driver: 'local-fs', root: `/srv/${we}`, volumes: volumes.map((v) => ({ name: v, allocated: 100, used: 10 })) }],
      } });
      assert.equal(r.statusCode, 200, r.body);
      return r.json().workingEnvironments[0] as { id: string; volumes: Array<{ id: string; name: string }> };
    },
    async activate(t, weId) {
      const r = await app.inject({ method: 'POST', url: `${prefix(t.accountId)}/v3/backup/working-environment/${weId}`, headers: headers(t), payload: { provider: 'LOCAL', bucket: 'bucket1' } });
      assert.equal(r.statusCode, 202, r.body);
      const c = (await app.inject({ method: 'POST', url: '/agent/v1/tasks/claim?wait=0', headers: agentHeaders(t) })).json().task;
      assert.equal(c.kind, 'init-repository');
      const done = await app.inject({ method: 'POST', url: `/agent/v1/tasks/${c.id}/complete`, headers: agentHeaders(t), payload: { leaseToken: c.leaseToken, result: { repositoryId: 'ab'.repeat(32) } } });
      assert.equal(done.json().jobStatus, 'COMPLETED', done.body);
    },
  };
}
