import { isNotFound } from '../../storage/backend.js';
import { isRepoError } from '../errors.js';
import { DEFAULT_LOCK_WAIT_MS, withLock, type LockWaitOptions } from '../lock/index.js';
import type { Repository } from '../repository/index.js';
import { deleteSnapshot, findSnapshot, listSnapshots, type Snapshot } from '../snapshot/index.js';
import { planRetention, type RetentionOptions, type RetentionPlan, type RetentionPolicy } from './retention.js';

export interface ForgetOptions {
  /** Report what would be removed; delete nothing. @default false */
  readonly dryRun?: boolean;
  /** Ids (or prefixes) that name no snapshot are reported in `missing` instead of failing. @default false */
  readonly ignoreMissing?: boolean;
  readonly signal?: AbortSignal;
  /** Waiting for a prune's exclusive lock. @default { timeoutMs: DEFAULT_LOCK_WAIT_MS } */
  readonly lockWait?: LockWaitOptions;
}

export interface ForgetReport {
  readonly dryRun: boolean;
  /** Snapshots removed (or, dry, that would be). */
  readonly removed: readonly Snapshot[];
  /** Requested ids that named no snapshot (only with ignoreMissing). */
  readonly missing: readonly string[];
  /**
   * Stored bytes the removed snapshots added when they were made (their summaries'
   * `dataAddedStored`): an upper bound on the data that no snapshot references any more
   * because of this forget — a blob only the removed snapshots use was added by one of
   * them. Cheap to add up across forgets, to decide when a prune is worth running
   * (blobs of packs adopted from interrupted backups and tree blobs are not counted).
   */
  readonly unreferencedBytesBound: number;
}

/**
 * Removes snapshots (their `snapshots/` objects); their data stays until a prune.
 * Under a shared lock: a snapshot's data is only deleted by prune, which excludes
 * every other lock, so removing snapshots never disturbs a backup or restore that is
 * running — a restore reading a removed snapshot finishes, and a backup using it as
 * parent re-checks every blob it reuses against the index.
 */
export async function forget(repo: Repository, ids: readonly string[], opts: ForgetOptions = {}): Promise<ForgetReport> {
  return withLock(repo, lockOptions(opts), async () => {
    const targets = new Map<string, Snapshot>();
    const missing: string[] = [];
    for (const ref of ids) {
      opts.signal?.throwIfAborted();
      try {
        const s = await findSnapshot(repo, ref);
        targets.set(s.id, s);
      } catch (e) {
        if (!(opts.ignoreMissing && isRepoError(e, 'REPO_SNAPSHOT_NOT_FOUND'))) throw e;
        missing.push(ref);
      }
    }
    return remove(repo, [...targets.values()], missing, opts);
  });
}

export interface ForgetPolicyReport extends ForgetReport {
  readonly plan: RetentionPlan;
}

/** Applies a retention policy (see planRetention) and removes the snapshots it does not keep. */
export async function forgetByPolicy(repo: Repository, policy: RetentionPolicy, opts: ForgetOptions & RetentionOptions = {}): Promise<ForgetPolicyReport> {
  return withLock(repo, lockOptions(opts), async () => {
    // A snapshot that cannot be read is kept and not counted: the policy never decides blind.
    const plan = planRetention(await listSnapshots(repo, () => undefined), policy, opts);
    return { ...(await remove(repo, plan.remove, [], opts)), plan };
  });
}

function lockOptions(opts: ForgetOptions): { exclusive: false; purpose: string; wait: LockWaitOptions } {
  return { exclusive: false, purpose: 'forget', wait: { timeoutMs: DEFAULT_LOCK_WAIT_MS, ...opts.lockWait, ...(opts.signal ? { signal: opts.signal } : {}) } };
}

async function remove(repo: Repository, snaps: readonly Snapshot[], missing: string[], opts: ForgetOptions): Promise<ForgetReport> {
  const removed: Snapshot[] = [];
  for (const s of snaps) {
    opts.signal?.throwIfAborted();
    if (!opts.dryRun) {
      try {
        await deleteSnapshot(repo, s.id);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    removed.push(s);
  }
  const unreferencedBytesBound = removed.reduce((n, s) => n + (s.summary?.dataAddedStored ?? 0), 0);
  return { dryRun: opts.dryRun ?? false, removed, missing, unreferencedBytesBound };
}
