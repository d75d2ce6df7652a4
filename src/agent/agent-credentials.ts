import { readCredentialFile, writeCredentialFile } from '../auth/index.js';

/** What a standalone agent needs to reach the control plane (a file, mode 0600). */
export interface AgentCredentials {
  server: string;
  accountId: string;
  agentId: string;
  agentSecret: string;
}

export async function readAgentCredentials(path: string): Promise<AgentCredentials> {
  const c = await readCredentialFile(path, ['server', 'accountId', 'agentId', 'agentSecret'] as const);
  if (!c) throw new Error(`${path}: no such file`);
  return c;
}

export async function writeAgentCredentials(path: string, c: AgentCredentials): Promise<void> {
  await writeCredentialFile(path, c);
}
