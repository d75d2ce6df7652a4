import { readCredentials, credentialsPath, type Credentials } from '../main/credentials.js';
import { cliEnvironment, loadConfig } from '../config/index.js';
import { CliError } from './output.js';

/**
 * A small client of the BlueXP-compatible API for CLI commands. Connection settings
 * come from flags, then environment (CBS_SERVER, CBS_TOKEN, CBS_ACCOUNT, CBS_AGENT_ID),
 * then `$CBS_HOME/credentials.json`.
 */
export interface ConnectionFlags {
  server?: string;
  token?: string;
  account?: string;
  agentId?: string;
  credentials?: string;
  home?: string;
}

export class ApiClient {
  constructor(readonly c: Credentials) {}

  get accountId(): string { return this.c['account-id']; }

  /** Path relative to the account's API prefix, e.g. `/v1/job/ID`. */
  cbsUrl(path: string): string {
    return `${this.c.server.replace(/\/$/, '')}/account/${encodeURIComponent(this.accountId)}/providers/cloudmanager_cbs/api${path}`;
  }

  async get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    return this.request<T>('GET', path, query);
  }

  async post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, {}, body);
  }

  async request<T>(method: string, path: string, query: Record<string, string | number | undefined> = {}, body?: unknown): Promise<T> {
    const url = new URL(this.cbsUrl(path));
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.c.token}`,
          'x-agent-id': this.c['agent-id'],
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (e) {
      throw new CliError(`cannot reach the server at ${this.c.server}: ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}`);
    }
    const text = await res.text();
    let json: unknown;
    try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
    if (!res.ok) {
      const b = json as { code?: string; message?: string } | undefined;
      throw new CliError(`${b?.message ?? `HTTP ${res.status}`}${b?.code ? ` (${b.code})` : ''}`, res.status >= 500 ? 3 : 1);
    }
    return json as T;
  }
}

export async function connect(flags: ConnectionFlags): Promise<ApiClient> {
  const env = cliEnvironment();
  const home = loadConfig({ ...(flags.home ? { home: flags.home } : {}) }).home;
  const file = flags.credentials ?? env.credentials ?? credentialsPath(home);
  let base: Credentials | undefined;
  try {
    base = await readCredentials(file);
  } catch (e) {
    throw new CliError(`cannot read credentials ${file}: ${(e as Error).message}`);
  }
  const c = {
    server: flags.server ?? env.server ?? base?.server,
    'account-id': flags.account ?? env.account ?? base?.['account-id'],
    token: flags.token ?? env.token ?? base?.token,
    'agent-id': flags.agentId ?? env.agentId ?? base?.['agent-id'],
  };
  const missing = Object.entries(c).filter(([, v]) => !v).map(([k]) => k);
  if (missing.length) {
    throw new CliError(`no ${missing.join(', ')}: start the server once (\`cbs serve\`) to create ${file}, or pass --server/--token/--account/--agent-id`);
  }
  return new ApiClient(c as Credentials);
}
