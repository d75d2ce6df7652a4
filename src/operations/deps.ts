import { join } from 'node:path';
import { DEFAULTS } from '../config/defaults.js';
import type { JobStore } from '../store/job-store.js';
import { WorkNotifier } from './work-notifier.js';

/**
 * What the operations need from the job store: the directory (agents, WEs, volumes),
 * jobs and tasks, backup targets and backups, and agent calls.
 */
export type OperationsStore = Pick<JobStore,
  | 'getAccount' | 'getAgent' | 'createAgent' | 'touchAgent'
  | 'upsertWorkingEnvironment' | 'getWorkingEnvironment' | 'listWorkingEnvironments' | 'listVolumes'
  | 'createJob' | 'getJob' | 'listJobs' | 'getTask' | 'claimTask' | 'heartbeat' | 'completeTask' | 'failTask'
  | 'activateBackup' | 'getBackupTarget' | 'listBackupTargets'
  | 'listBackups' | 'getBackup' | 'reportVolumes' | 'listVolumeStates'
  | 'createAgentCall' | 'claimAgentCalls' | 'finishAgentCall' | 'getAgentCall' | 'deleteAgentCall'
  | 'hasPendingTask' | 'hasPendingAgentCall'>;

/**
 * Wraps secrets stored in the job store (repository keys, provider credentials) with
 * the control plane's key-encryption key. Only the agent protocol unwraps, to hand a
 * repository key to the agent that owns the working environment.
 */
export interface KeyVault {
  wrap(plain: Buffer): string;
  /** Throws when the wrapped value was not made by this vault's key. */
  unwrap(wrapped: string): Buffer;
}

/** Settings of the operations and of the agent protocol. Defaults: config/defaults.ts. */
export interface OperationsOptions {
  /** Lease given to a claimed task; renewed by heartbeat. @default DEFAULTS.leaseMs */
  leaseMs: number;
  /** Longest long-poll a claim may ask for. @default DEFAULTS.maxClaimWaitMs */
  maxClaimWaitMs: number;
  /** How often a waiting claim re-reads the store for work created by another instance. @default DEFAULTS.claimPollMs */
  claimPollMs: number;
  /** How long a browse waits for the agent's answer before 503. @default DEFAULTS.agentCallTimeoutMs */
  agentCallTimeoutMs: number;
  /** Root of LOCAL buckets when the activation names no path. @default `${DEFAULTS.home}/buckets` */
  bucketsRoot: string;
  /** Claims allowed per task before an expired lease fails it. @default DEFAULTS.maxAttempts */
  maxAttempts: number;
}

/** Where operations report what must not reach a caller (agent internals, absolute paths). */
export type OperationsLog = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

/** What every operation receives. */
export interface OperationsDeps {
  store: OperationsStore;
  keys: KeyVault;
  options: OperationsOptions;
  /** Wakes this instance's long-polling claims when it creates work. */
  notifier: WorkNotifier;
  log: OperationsLog;
}

export function operationsOptions(o: Partial<OperationsOptions> | undefined): OperationsOptions {
  return {
    leaseMs: o?.leaseMs ?? DEFAULTS.leaseMs,
    maxClaimWaitMs: o?.maxClaimWaitMs ?? DEFAULTS.maxClaimWaitMs,
    claimPollMs: o?.claimPollMs ?? DEFAULTS.claimPollMs,
    agentCallTimeoutMs: o?.agentCallTimeoutMs ?? DEFAULTS.agentCallTimeoutMs,
    bucketsRoot: o?.bucketsRoot ?? join(DEFAULTS.home, 'buckets'),
    maxAttempts: o?.maxAttempts ?? DEFAULTS.maxAttempts,
  };
}

export function newOperationsDeps(
  store: OperationsStore, keys: KeyVault, o?: Partial<OperationsOptions>, log: OperationsLog = () => undefined,
): OperationsDeps {
  return { store, keys, options: operationsOptions(o), notifier: new WorkNotifier(), log };
}
