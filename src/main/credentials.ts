import { join } from 'node:path';
import { readCredentialFile, writeCredentialFile } from '../auth/index.js';

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
  return readCredentialFile(path, ['server', 'account-id', 'token', 'agent-id'] as const);
}

export async function writeCredentials(path: string, c: Credentials): Promise<void> {
  await writeCredentialFile(path, c);
}
