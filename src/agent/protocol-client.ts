import type { RepositoryInfo, WireCall, WireTask } from '../api/index.js';
import type { AgentCredentials } from './agent-credentials.js';

export interface ProgressReport { bytesDone: number; bytesTotal: number; filesDone: number; filesTotal: number }
export interface WeRegistration {
  name: string;
  svm: string;
  driver: 'local-fs';
  root: string;
  volumes: Array<{ name: string; allocated: number; used: number }>;
}

/** An error answer of the control plane: its registered code, HTTP status and message. */
export class ProtocolError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'ProtocolError';
  }
  /** Network failures and 5xx answers may go away; 4xx will not. */
  get transient(): boolean { return this.status === 0 || this.status >= 500; }
}

/**
 * The agent's side of /agent/v1. Every request carries `x-agent-id` and the agent
 * secret as a bearer token. Long-polls pass the caller's AbortSignal so a stopping
 * agent does not wait for the poll to end.
 */
export class ProtocolClient {
  readonly #base: string;
  constructor(readonly creds: AgentCredentials) {
    this.#base = creds.server.replace(/\/$/, '') + '/agent/v1';
  }

  async register(workingEnvironments: WeRegistration[]): Promise<{ workingEnvironments: Array<{ id: string; name: string; volumes: Array<{ id: string; name: string }> }> }> {
    return this.#req('PUT', '/working-environments', { workingEnvironments });
  }

  async claimTask(waitMs: number, signal?: AbortSignal): Promise<WireTask | null> {
    const r = await this.#req<{ task: WireTask | null }>('POST', `/tasks/claim?wait=${waitMs}`, undefined, signal);
    return r.task;
  }

  async heartbeat(taskId: string, leaseToken: string, progress?: ProgressReport): Promise<void> {
    await this.#req('POST', `/tasks/${encodeURIComponent(taskId)}/heartbeat`, { leaseToken, ...(progress ? { progress } : {}) });
  }

  async complete(taskId: string, leaseToken: string, result: unknown): Promise<void> {
    await this.#req('POST', `/tasks/${encodeURIComponent(taskId)}/complete`, { leaseToken, result });
  }

  async fail(taskId: string, leaseToken: string, error: string): Promise<void> {
    await this.#req('POST', `/tasks/${encodeURIComponent(taskId)}/fail`, { leaseToken, error: error.slice(0, 4000) || 'failed' });
  }

  async repository(weId: string, taskId?: string): Promise<RepositoryInfo> {
    return this.#req('GET', `/working-environments/${encodeURIComponent(weId)}/repository${taskId ? `?task=${encodeURIComponent(taskId)}` : ''}`);
  }

  async claimCalls(waitMs: number, signal?: AbortSignal): Promise<WireCall[]> {
    return (await this.#req<{ calls: WireCall[] }>('POST', `/calls/claim?wait=${waitMs}`, undefined, signal)).calls;
  }

  async answer(callId: string, a: { result: unknown } | { error: { code: string; message: string } }): Promise<void> {
    await this.#req('POST', `/calls/${encodeURIComponent(callId)}/answer`, a);
  }

  async #req<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.#base + path, {
        method,
        headers: {
          authorization: `Bearer ${this.creds.agentSecret}`,
          'x-agent-id': this.creds.agentId,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(signal ? { signal } : {}),
      });
    } catch (e) {
      if (signal?.aborted) throw e;
      throw new ProtocolError(0, 'UNREACHABLE', `control plane ${this.creds.server} unreachable: ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}`, { cause: e });
    }
    const text = await res.text();
    if (!res.ok) {
      let b: { code?: string; message?: string } = {};
      try { b = JSON.parse(text) as typeof b; } catch { /* not JSON: keep the status */ }
      throw new ProtocolError(res.status, b.code ?? `HTTP_${res.status}`, b.message ?? `HTTP ${res.status} from ${method} ${path}`);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
