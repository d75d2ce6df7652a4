import type { KeyVault, ProtectionOptions, ProtectionStore } from '../deps.js';
import { WorkNotifier } from './task-notifier.js';

/** What every protection route file receives. */
export interface ProtectionContext {
  store: ProtectionStore;
  keys: KeyVault;
  options: ProtectionOptions;
  notifier: WorkNotifier;
}

export function protectionOptions(o: Partial<ProtectionOptions> | undefined): ProtectionOptions {
  return {
    leaseMs: o?.leaseMs ?? 30_000,
    maxClaimWaitMs: o?.maxClaimWaitMs ?? 30_000,
    claimPollMs: o?.claimPollMs ?? 250,
    agentCallTimeoutMs: o?.agentCallTimeoutMs ?? 15_000,
    bucketsRoot: o?.bucketsRoot ?? './.cbs/buckets',
    maxAttempts: o?.maxAttempts ?? 2,
  };
}

export function newContext(store: ProtectionStore, keys: KeyVault, o: Partial<ProtectionOptions> | undefined): ProtectionContext {
  return { store, keys, options: protectionOptions(o), notifier: new WorkNotifier() };
}
