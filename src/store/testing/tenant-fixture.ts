import type { JobStore } from '../job-store.js';
import type { Account, Agent, Volume, WorkingEnvironment } from '../model.js';

export interface TenantFixture {
  account: Account;
  agent: Agent;
  we: WorkingEnvironment;
  volumes: Volume[];
}

/** An account with one agent, one local-fs working environment and the named volumes. */
export async function seedTenant(
  store: JobStore, o: { suffix: string; volumes?: string[]; now?: number },
): Promise<TenantFixture> {
  const now = o.now ?? 1_000;
  const account = await store.createAccount({ id: `account-${o.suffix.padEnd(8, '0').slice(0, 8)}`, name: `tenant ${o.suffix}` }, now);
  const agent = await store.createAgent({ id: `agent${o.suffix}clients`, accountId: account.id, name: `agent ${o.suffix}`, credentialHash: 'hash' }, now);
  const we = await store.upsertWorkingEnvironment({
    id: `LocalWorkingEnvironment-${o.suffix}`, accountId: account.id, agentId: agent.id, name: `local-${o.suffix}`,
    svm: 'svm0', driver: 'local-fs', root: `/srv/${o.suffix}`,
  }, now);
  const volumes: Volume[] = [];
  for (const name of o.volumes ?? []) volumes.push(await store.upsertVolume({ workingEnvironmentId: we.id, name }, now));
  return { account, agent, we, volumes };
}
