import { setTimeout as delay } from 'node:timers/promises';
import { DEFAULTS } from '../config/defaults.js';
import type { WireCall, WireTask } from '../api/index.js';
import { CALLS, TASKS } from '../tasks/index.js';
import type { AgentEngine, EngineProgress, RepositoryRef } from './engine.js';
import { CALL_HANDLERS, type CallContext } from './call-handlers.js';
import { DriverError, LocalFsDriver } from './local-fs-driver.js';
import { ProtocolError, type ProtocolClient } from './protocol-client.js';
import { RUNNERS, TaskError, type TaskContext } from './runners/index.js';

export interface AgentWeConfig {
  name: string;
  root: string;
  /** @default svm0 */
  svm?: string;
}

export type AgentLog = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

export interface AgentOptions {
  client: ProtocolClient;
  engine: AgentEngine;
  workingEnvironments: AgentWeConfig[];
  /** Tasks run at once. @default DEFAULTS.agentConcurrency */
  concurrency?: number;
  /** Long-poll length of a claim. @default DEFAULTS.agentClaimWaitMs */
  claimWaitMs?: number;
  /** How often volumes are rediscovered and reported. @default DEFAULTS.discoverIntervalMs */
  discoverIntervalMs?: number;
  /** Heartbeat period; @default a third of the task's lease, at most 10 s */
  heartbeatMs?: number;
  /**
   * A task whose progress has not moved for this long is aborted and failed ("no progress"):
   * a hung engine must not keep a job IN_PROGRESS forever by heartbeating. 0 disables.
   * @default DEFAULTS.agentStallMs
   */
  stallTimeoutMs?: number;
  /** How long stop() waits for running tasks to wind down after aborting them. @default DEFAULTS.agentStopTimeoutMs */
  stopTimeoutMs?: number;
  log?: AgentLog;
}

/**
 * One agent: registers its WEs, reports their volumes periodically, runs tasks (up to
 * `concurrency` at once) with heartbeats, and answers calls. start() resolves once the
 * first registration succeeded; stop() (or aborting start's signal) stops claiming,
 * aborts running tasks and waits for the loops. A task aborted by a stop is not
 * reported: its lease runs out and the control plane retries it (docs/API.md, "When an agent dies").
 */
export class Agent {
  readonly #o: Required<Omit<AgentOptions, 'heartbeatMs'>> & { heartbeatMs?: number };
  readonly #drivers = new Map<string, { name: string; driver: LocalFsDriver }>();
  readonly #stop = new AbortController();
  #loops: Promise<void>[] = [];
  #started = false;

  constructor(o: AgentOptions) {
    this.#o = {
      concurrency: DEFAULTS.agentConcurrency, claimWaitMs: DEFAULTS.agentClaimWaitMs, discoverIntervalMs: DEFAULTS.discoverIntervalMs,
      stallTimeoutMs: DEFAULTS.agentStallMs, stopTimeoutMs: DEFAULTS.agentStopTimeoutMs,
      log: () => undefined, ...o,
    };
  }

  /** WE ids (from the control plane) by name, after start(). */
  get workingEnvironments(): Map<string, string> {
    return new Map([...this.#drivers].map(([id, d]) => [d.name, id]));
  }

  async start(signal?: AbortSignal): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    signal?.addEventListener('abort', () => void this.stop(), { once: true });
    await this.discover();
    const s = this.#stop.signal;
    this.#loops = [
      this.#every(this.#o.discoverIntervalMs, () => this.discover()),
      this.#callLoop(s),
      ...Array.from({ length: this.#o.concurrency }, () => this.#taskLoop(s)),
    ];
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    // An engine that ignores its abort signal must not hold the process: give up waiting.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(this.#loops),
      new Promise<void>((r) => { timer = setTimeout(r, this.#o.stopTimeoutMs); timer.unref(); }),
    ]);
    clearTimeout(timer);
  }

  /** Scans every WE root and reports its volumes; learns the WE ids. */
  async discover(): Promise<void> {
    const regs = [];
    for (const we of this.#o.workingEnvironments) {
      const driver = new LocalFsDriver(we.root);
      regs.push({ name: we.name, svm: we.svm ?? 'svm0', driver: 'local-fs' as const, root: we.root, volumes: await driver.discover() });
    }
    const r = await this.#o.client.register(regs);
    for (const w of r.workingEnvironments) {
      const cfg = this.#o.workingEnvironments.find((x) => x.name === w.name)!;
      if (!this.#drivers.has(w.id)) this.#drivers.set(w.id, { name: w.name, driver: new LocalFsDriver(cfg.root) });
    }
  }

  async #every(ms: number, f: () => Promise<void>): Promise<void> {
    const s = this.#stop.signal;
    while (!s.aborted) {
      try { await delay(ms, undefined, { signal: s }); } catch { return; }
      try { await f(); } catch (e) { this.#o.log('warn', 'volume discovery failed', { err: (e as Error).message }); }
    }
  }

  async #taskLoop(s: AbortSignal): Promise<void> {
    let backoff = 250;
    while (!s.aborted) {
      let task: WireTask | null;
      try {
        task = await this.#o.client.claimTask(this.#o.claimWaitMs, s);
        backoff = 250;
      } catch (e) {
        if (s.aborted) return;
        this.#o.log('warn', 'claiming a task failed', { err: (e as Error).message });
        try { await delay(backoff, undefined, { signal: s }); } catch { return; }
        backoff = Math.min(backoff * 2, 5000);
        continue;
      }
      if (task) await this.#runTask(task, s);
    }
  }

  async #runTask(task: WireTask, stopping: AbortSignal): Promise<void> {
    const log = this.#o.log;
    const ac = new AbortController();
    const onStop = (): void => ac.abort(new Error('agent stopping'));
    stopping.addEventListener('abort', onStop, { once: true });
    let latest: EngineProgress | undefined;
    let lost = false;
    let stalled = false;
    let lastMove = Date.now();
    let lastKey = '';
    const every = this.#o.heartbeatMs ?? Math.max(200, Math.min(10_000, Math.floor(task.leaseMs / 3)));
    const hb = setInterval(() => {
      const key = latest ? `${latest.bytesDone}/${latest.filesDone}/${latest.bytesTotal}/${latest.filesTotal}` : '';
      if (key !== lastKey) { lastKey = key; lastMove = Date.now(); }
      const stall = this.#o.stallTimeoutMs;
      if (stall > 0 && !stalled && Date.now() - lastMove > stall) {
        stalled = true;
        log('error', 'task made no progress; aborting it', { task: task.id, stallMs: stall });
        ac.abort(new TaskError(`no progress for ${Math.round(stall / 1000)} s; the task was aborted by the agent`));
      }
      this.#o.client.heartbeat(task.id, task.leaseToken, latest).catch((e: unknown) => {
        if (e instanceof ProtocolError && !e.transient) {
          // The lease is gone (expired, or the task was given to another attempt): stop working on it.
          lost = true;
          log('warn', 'task lease lost; abandoning the task', { task: task.id, err: e.message });
          ac.abort(e);
        } else {
          log('warn', 'heartbeat failed; will retry', { task: task.id, err: (e as Error).message });
        }
      });
    }, every);
    log('info', 'task started', { task: task.id, kind: task.kind, job: task.jobId, attempt: task.attempt });
    try {
      // The payload is checked against its kind before anything runs: a payload this agent cannot read fails the task.
      if (!TASKS.has(task.kind)) throw new TaskError(`this agent does not know task kind "${task.kind}"`);
      let payload: unknown;
      try {
        payload = TASKS.payload(task.kind, task.payload);
      } catch (e) {
        throw new TaskError(`task ${task.id} (${task.kind}): ${(e as Error).message}`, { cause: e });
      }
      const run = RUNNERS[task.kind] as (ctx: TaskContext, p: unknown) => Promise<unknown>;
      // Settles on abort even when the engine does not honour its signal.
      const aborted = new Promise<never>((_, reject) => ac.signal.addEventListener('abort', () => reject(ac.signal.reason), { once: true }));
      aborted.catch(() => undefined);
      const result = await Promise.race([run({
        task, engine: this.#o.engine, client: this.#o.client, drivers: this.#drivers, signal: ac.signal,
        progress: (p) => { latest = { bytesDone: p.bytesDone, bytesTotal: p.bytesTotal, filesDone: p.filesDone, filesTotal: p.filesTotal }; },
      }, payload), aborted]);
      clearInterval(hb);
      if (latest) await this.#o.client.heartbeat(task.id, task.leaseToken, latest).catch(() => undefined);
      await this.#report(() => this.#o.client.complete(task.id, task.leaseToken, result), stopping);
      log('info', 'task completed', { task: task.id, kind: task.kind });
    } catch (e) {
      clearInterval(hb);
      if (stopping.aborted || lost) return;
      const reason: unknown = stalled ? ac.signal.reason : e;
      const msg = reason instanceof Error ? reason.message : String(reason);
      log('warn', 'task failed', { task: task.id, kind: task.kind, err: msg });
      await this.#report(() => this.#o.client.fail(task.id, task.leaseToken, msg), stopping).catch((err: unknown) => {
        log('error', 'could not report a task failure', { task: task.id, err: (err as Error).message });
      });
    } finally {
      clearInterval(hb);
      stopping.removeEventListener('abort', onStop);
    }
  }

  /** Reports are retried on transient failures (the lease bounds how long that can matter). */
  async #report(f: () => Promise<void>, s: AbortSignal): Promise<void> {
    for (let i = 0; ; i++) {
      try {
        return await f();
      } catch (e) {
        if (!(e instanceof ProtocolError) || !e.transient || i >= 5 || s.aborted) throw e;
        await delay(200 * 2 ** i);
      }
    }
  }

  async #callLoop(s: AbortSignal): Promise<void> {
    let backoff = 250;
    while (!s.aborted) {
      let calls: WireCall[];
      try {
        calls = await this.#o.client.claimCalls(this.#o.claimWaitMs, s);
        backoff = 250;
      } catch (e) {
        if (s.aborted) return;
        this.#o.log('warn', 'claiming calls failed', { err: (e as Error).message });
        try { await delay(backoff, undefined, { signal: s }); } catch { return; }
        backoff = Math.min(backoff * 2, 5000);
        continue;
      }
      for (const c of calls) void this.#answer(c);
    }
  }

  async #answer(c: WireCall): Promise<void> {
    let a: { result: unknown } | { error: { code: string; message: string } };
    try {
      a = { result: await this.#handleCall(c) };
    } catch (e) {
      const code = e instanceof DriverError ? e.code : (e as { code?: string }).code === 'REPO_PATH_NOT_FOUND' ? 'VALIDATION_FAILED'
        : (e as { code?: string }).code === 'REPO_SNAPSHOT_NOT_FOUND' ? 'SNAPSHOT_NOT_FOUND' : 'INTERNAL';
      a = { error: { code, message: code === 'INTERNAL' ? `agent error: ${(e as Error).message}` : (e as Error).message } };
    }
    await this.#o.client.answer(c.id, a).catch((e: unknown) => this.#o.log('warn', 'answering a call failed', { call: c.id, err: (e as Error).message }));
  }

  async #repoRef(weId: string): Promise<RepositoryRef> {
    const r = await this.#o.client.repository(weId);
    return { location: r.location, key: Buffer.from(r.key, 'base64'), options: r.options, ...(r.credentials ? { credentials: r.credentials } : {}) };
  }

  /** The call's payload checked against its kind, then its handler (call-handlers.ts). */
  async #handleCall(c: WireCall): Promise<unknown> {
    if (!CALLS.has(c.kind)) throw new DriverError('VALIDATION_FAILED', `unknown call kind "${c.kind}"`);
    let payload: unknown;
    try {
      payload = CALLS.payload(c.kind, c.payload);
    } catch (e) {
      throw new DriverError('VALIDATION_FAILED', (e as Error).message, { cause: e });
    }
    const ctx: CallContext = { drivers: this.#drivers, engine: this.#o.engine, repository: (weId) => this.#repoRef(weId) };
    return (CALL_HANDLERS[c.kind] as (ctx: CallContext, p: unknown) => Promise<unknown>)(ctx, payload);
  }
}
