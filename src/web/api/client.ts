import type { ErrorBody, Session } from './types';

/**
 * A failed call, carrying the API's own code and message (docs/errors.md), shown to the
 * user as they are. Failures the console finds itself (no network, no agent) have no code.
 */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'ApiError';
  }

  get unauthorized(): boolean { return this.status === 401; }
}

/** What every call under the BlueXP prefix needs: the token, the account in the path, and an agent id for `x-agent-id`. */
export interface Credentials { token: string; accountId: string; agentId: string }

type Query = Record<string, string | number | undefined>;

/**
 * The public HTTP API, from the browser. Calls under P = /account/{accountId}/providers/cloudmanager_cbs/api
 * carry `authorization` and `x-agent-id`; a 401 from any of them ends the session (onUnauthorized).
 */
export class Api {
  constructor(readonly creds: Credentials, private readonly onUnauthorized: (e: ApiError) => void = () => undefined) {}

  get prefix(): string { return `/account/${encodeURIComponent(this.creds.accountId)}/providers/cloudmanager_cbs/api`; }

  async get<T>(path: string, query?: Query): Promise<T> {
    return (await this.getWithText<T>(path, query)).value;
  }

  /** The answer and its text, for callers that skip work when nothing changed. */
  async getWithText<T>(path: string, query?: Query): Promise<{ value: T; text: string }> {
    return this.#call<T>('GET', path + queryString(query));
  }

  async post<T>(path: string, body: unknown): Promise<T> {
    return (await this.#call<T>('POST', path, body)).value;
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<{ value: T; text: string }> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.creds.token}`, 'x-agent-id': this.creds.agentId, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await send<T>(this.prefix + path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    } catch (e) {
      if (e instanceof ApiError && e.unauthorized) this.onUnauthorized(e);
      throw e;
    }
  }
}

/** GET /auth/v1/session: the token's role, accounts and their agents. Rejects with the API's 401 for a bad token. */
export async function fetchSession(token: string): Promise<Session> {
  return (await send<Session>('/auth/v1/session', { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } })).value;
}

async function send<T>(url: string, init: RequestInit): Promise<{ value: T; text: string }> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, credentials: 'omit', cache: 'no-store' });
  } catch {
    throw new ApiError(0, '', 'The server cannot be reached. Check that `cbs serve` is running.');
  }
  const text = await res.text();
  let value: unknown;
  try {
    value = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ApiError(res.status, '', `The server answered ${res.status} with a body that is not JSON.`);
  }
  if (!res.ok) {
    const b = value as Partial<ErrorBody> | undefined;
    throw new ApiError(res.status, b?.code ?? '', b?.message ?? `${res.status} ${res.statusText}`);
  }
  return { value: value as T, text };
}

function queryString(q: Query | undefined): string {
  if (!q) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}
