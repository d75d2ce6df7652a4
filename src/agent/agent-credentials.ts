import { readFile, writeFile, mkdir, rename, chmod } from 'node:fs/promises';
import { dirname } from 'node:path';

/** What a standalone agent needs to reach the control plane (a file, mode 0600). */
export interface AgentCredentials {
  server: string;
  accountId: string;
  agentId: string;
  agentSecret: string;
}

export async function readAgentCredentials(path: string): Promise<AgentCredentials> {
  const c = JSON.parse(await readFile(path, 'utf8')) as Partial<AgentCredentials>;
  for (const k of ['server', 'accountId', 'agentId', 'agentSecret'] as const) {
    if (typeof c[k] !== 'string' || c[k] === '') throw new Error(`${path}: field "${k}" is missing`);
  }
  return c as AgentCredentials;
}

export async function writeAgentCredentials(path: string, c: AgentCredentials): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(c, null, 2) + '\n', { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}
