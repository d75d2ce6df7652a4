import { randomBytes } from 'node:crypto';
import { hashAgentSecret, newAgentId, newAgentSecret } from '../auth/index.js';
import { CbsError } from '../errors/index.js';
import { TASKS } from '../tasks/index.js';
import type { AgentIdentity } from './agent-work.js';
import type { OperationsDeps } from './deps.js';
import { ownTask } from './agent-work.js';

/** A new agent credential of an account; the secret is returned once, the store keeps its hash. */
export async function createAgent(deps: OperationsDeps, accountId: string, name: string): Promise<{ agentId: string; agentSecret: string }> {
  if (!(await deps.store.getAccount(accountId))) throw new CbsError('ACCOUNT_NOT_FOUND', `account ${accountId} not found`);
  const agentId = newAgentId();
  const agentSecret = newAgentSecret();
  await deps.store.createAgent({ id: agentId, accountId, name, credentialHash: hashAgentSecret(agentSecret) });
  return { agentId, agentSecret };
}

/** What an agent reports of one working environment it serves. */
export interface WeRegistration {
  name: string;
  /** @default svm0 */
  svm?: string;
  driver: 'local-fs';
  root: string;
  volumes: Array<{ name: string; allocated: number; used: number }>;
}

const WE_ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

function newWeId(): string {
  return `LocalWorkingEnvironment-${[...randomBytes(8)].map((x) => WE_ID_ALPHABET[x % WE_ID_ALPHABET.length]).join('')}`;
}

/**
 * An agent's discovery: each WE is registered under its name (its id is kept once
 * given), its reported volumes upserted and online, the others missing. CONFLICT when
 * the name is a WE of another agent of the account. Returns the ids.
 */
export async function registerWorkingEnvironments(
  deps: OperationsDeps, agent: AgentIdentity, regs: readonly WeRegistration[],
): Promise<Array<{ id: string; name: string; volumes: Array<{ id: string; name: string }> }>> {
  const { store } = deps;
  const existing = await store.listWorkingEnvironments(agent.accountId);
  const out = [];
  for (const w of regs) {
    const prev = existing.find((e) => e.name === w.name);
    if (prev && prev.agentId !== agent.id) {
      throw new CbsError('CONFLICT', `working environment name "${w.name}" is owned by another agent of this account`);
    }
    const we = await store.upsertWorkingEnvironment({
      id: prev?.id ?? newWeId(), accountId: agent.accountId, agentId: agent.id, name: w.name,
      svm: w.svm ?? 'svm0', driver: w.driver, root: w.root,
    });
    const all = await store.reportVolumes(we.id, w.volumes);
    const reported = new Set(w.volumes.map((v) => v.name));
    out.push({ id: we.id, name: we.name, volumes: all.filter((v) => reported.has(v.name)).map((v) => ({ id: v.id, name: v.name })) });
  }
  return out;
}

/** A repository's location and unwrapped secret, as its agent opens it. */
export interface RepositoryAccess {
  workingEnvironmentId: string;
  provider: string;
  bucket: string;
  location: string;
  /** base64 of the repository secret (the engine's key-encryption key) */
  key: string;
  options: Record<string, unknown>;
  credentials?: Record<string, unknown>;
}

/**
 * The repository of a WE, for the agent that owns it, or for an agent holding the lease
 * of a restore task that reads this WE's backups (another agent restoring onto its own
 * WE); AGENT_FORBIDDEN otherwise. 404 for a WE not of the agent's account; 409 before activation.
 */
export async function repositoryFor(deps: OperationsDeps, agent: AgentIdentity, weId: string, taskId?: string): Promise<RepositoryAccess> {
  const { store, keys } = deps;
  const we = await store.getWorkingEnvironment(agent.accountId, weId);
  if (!we) throw new CbsError('WORKING_ENVIRONMENT_NOT_FOUND', `working environment ${weId} not found`);
  if (we.agentId !== agent.id && !(await readsThroughTask(deps, agent, we.id, taskId))) {
    throw new CbsError('AGENT_FORBIDDEN', `working environment ${we.id} belongs to another agent`);
  }
  const target = await store.getBackupTarget(agent.accountId, we.id);
  if (!target) throw new CbsError('CONFLICT', `backup is not activated on working environment ${we.id}`);
  return {
    workingEnvironmentId: we.id, provider: target.provider, bucket: target.bucket, location: target.location,
    key: keys.unwrap(target.wrappedKey).toString('base64'), options: target.options,
    ...(target.wrappedCredentials ? { credentials: JSON.parse(keys.unwrap(target.wrappedCredentials).toString('utf8')) as Record<string, unknown> } : {}),
  };
}

async function readsThroughTask(deps: OperationsDeps, agent: AgentIdentity, weId: string, taskId: string | undefined): Promise<boolean> {
  if (taskId === undefined) return false;
  const t = await ownTask(deps, agent, taskId).catch(() => undefined);
  if (!t || t.status !== 'LEASED' || !TASKS.has(t.kind)) return false;
  switch (t.kind) {
    case 'restore-volume':
    case 'restore-folder':
    case 'restore-files':
      return t.payload['sourceWeId'] === weId;
    default:
      return false;
  }
}
