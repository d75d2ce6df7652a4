import { mkdir } from 'node:fs/promises';
import { Agent, ProtocolClient, type AgentCredentials, type AgentLog, type AgentWeConfig } from '../agent/index.js';
import { RepoEngine } from './engine-adapter.js';

export interface AgentRuntimeOptions {
  credentials: AgentCredentials;
  workingEnvironments: AgentWeConfig[];
  concurrency: number;
  claimWaitMs: number;
  discoverIntervalMs: number;
  /** 0 = the engine's default */
  workers: number;
  /** See AgentOptions.stallTimeoutMs. */
  stallMs: number;
  log?: AgentLog;
  signal?: AbortSignal;
}

/**
 * Wires an agent with the real engine: the same function serves the agent embedded in
 * `cbs serve` and the standalone `cbs agent`. WE roots are created when missing.
 * Retries the first registration until the control plane answers (or the signal aborts).
 */
export async function startAgent(o: AgentRuntimeOptions): Promise<Agent> {
  for (const we of o.workingEnvironments) await mkdir(we.root, { recursive: true });
  const agent = new Agent({
    client: new ProtocolClient(o.credentials),
    engine: new RepoEngine(o.workers > 0 ? { workers: o.workers } : {}),
    workingEnvironments: o.workingEnvironments,
    concurrency: o.concurrency,
    claimWaitMs: o.claimWaitMs,
    discoverIntervalMs: o.discoverIntervalMs,
    stallTimeoutMs: o.stallMs,
    ...(o.log ? { log: o.log } : {}),
  });
  for (let attempt = 0; ; attempt++) {
    try {
      await agent.start(o.signal);
      return agent;
    } catch (e) {
      if (o.signal?.aborted || attempt >= 20 || (e as { transient?: boolean }).transient === false) throw e;
      o.log?.('warn', 'agent registration failed; retrying', { err: (e as Error).message });
      await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** attempt, 5000)));
    }
  }
}
