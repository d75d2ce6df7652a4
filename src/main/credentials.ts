import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writePrivateFile } from './private-files.js';

/**
 * `$CBS_HOME/credentials.json` (mode 0600): how the CLI on this machine reaches the
 * server. Written on the first start of `cbs serve`, reused on later starts.
 */
export interface Credentials {
  server: string;
  'account-id': string;
  token: string;
  'agent-id': string;
}

export function credentialsPath(home: string): string {
  return join(home, 'credentials.json');
}

export async function readCredentials(path: string): Promise<Credentials | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const c = JSON.parse(text) as Partial<Credentials>;
  for (const k of ['server', 'account-id', 'token', 'agent-id'] as const) {
    if (typeof c[k] !== 'string' || c[k] === '') throw new Error(`${path}: field "${k}" is missing`);
  }
  return c as Credentials;
}

export async function writeCredentials(path: string, c: Credentials): Promise<void> {
  await writePrivateFile(path, JSON.stringify(c, null, 2) + '\n');
}
