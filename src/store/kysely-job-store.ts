import { setTimeout as delay } from 'node:timers/promises';
import { sql, type Kysely, type Transaction } from 'kysely';
import { CbsError } from '../errors/index.js';
import { isRetryable, type StoreDialect } from './dialect.js';
import type { JobStore, TaskCompletion } from './job-store.js';
import { mapDriverError } from './map-driver-error.js';
import { runMigrations } from './migrate.js';
import { MIGRATIONS } from './migrations/index.js';
import type {
  Account, Agent, Job, JobFilter, JobStatus, NewJob, Progress, RevokedToken, Task, Volume, WorkingEnvironment,
} from './model.js';
import * as accounts from './queries/accounts.js';
import { claimTask } from './queries/claim-task.js';
import { createJob } from './queries/create-job.js';
import { expireJobLeases, jobsWithExpiredLeases } from './queries/expire-leases.js';
import { finishTask } from './queries/finish-task.js';
import { heartbeatTask } from './queries/heartbeat-task.js';
import { countJobsByStatus, listJobs } from './queries/list-jobs.js';
import { loadJob } from './queries/load-jobs.js';
import * as settings from './queries/settings.js';
import * as wes from './queries/working-environments.js';
import { toTask } from './rows.js';
import type { Database } from './schema.js';
import type { AgentCall, BackupRecord, BackupTarget, VolumeReport, VolumeState, WrappedSecret } from './backup-model.js';
import * as targets from './queries/backup-targets.js';
import * as backups from './queries/backups.js';
import * as volumeStates from './queries/volume-states.js';
import * as calls from './queries/agent-calls.js';
import { setAgentCredential } from './queries/agent-credentials.js';
import * as pending from './queries/pending-work.js';
import * as revoked from './queries/revoked-tokens.js';
import * as wrapped from './queries/wrapped-secrets.js';

/**
 * The JobStore over Kysely, the same code for both dialects. Every operation goes
 * through `read` or `write`: driver errors are mapped in one place, and busy /
 * deadlock failures (which roll back and leave nothing behind) are retried with
 * backoff until the dialect's retryForMs runs out.
 */
export class KyselyJobStore implements JobStore {
  readonly dialect: 'sqlite' | 'postgres';
  private readonly db: Kysely<Database>;
  private closed = false;

  /** @param o.agentGoneAfterMs see OpenJobStoreOptions.agentGoneAfterMs */
  constructor(private readonly d: StoreDialect, private readonly o: { agentGoneAfterMs?: number } = {}) {
    this.dialect = d.name;
    this.db = d.db;
  }

  async migrate(): Promise<void> {
    await this.read('migrate', () => runMigrations(this.d, MIGRATIONS));
  }

  async ping(): Promise<void> {
    this.assertOpen('ping');
    try {
      await sql`select 1`.execute(this.db);
    } catch (e) {
      throw mapDriverError(e, 'unavailable', 'ping');
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.d.close();
  }

  getSetting(key: string): Promise<string | undefined> {
    return this.read('getSetting', () => settings.getSetting(this.db, key));
  }
  setSetting(key: string, value: string): Promise<void> {
    return this.write('setSetting', (trx) => settings.setSetting(trx, key, value));
  }
  initSetting(key: string, value: string): Promise<string> {
    return this.write('initSetting', (trx) => settings.initSetting(trx, key, value));
  }
  async deleteSetting(key: string, o: { purge?: boolean } = {}): Promise<void> {
    await this.write('deleteSetting', (trx) => settings.deleteSetting(trx, key));
    if (o.purge === true) await this.read('deleteSetting', () => this.d.purgeDeleted('settings'));
  }

  createAccount(a: { id: string; name: string }, now = Date.now()): Promise<Account> {
    return this.write('createAccount', (trx) => accounts.createAccount(trx, a, now));
  }
  getAccount(id: string): Promise<Account | undefined> {
    return this.read('getAccount', () => accounts.getAccount(this.db, id));
  }
  listAccounts(): Promise<Account[]> {
    return this.read('listAccounts', () => accounts.listAccounts(this.db));
  }
  createAgent(a: { id: string; accountId: string; name: string; credentialHash: string }, now = Date.now()): Promise<Agent> {
    return this.write('createAgent', (trx) => accounts.createAgent(trx, a, now));
  }
  getAgent(id: string): Promise<Agent | undefined> {
    return this.read('getAgent', () => accounts.getAgent(this.db, id));
  }
  touchAgent(id: string, now = Date.now()): Promise<void> {
    return this.write('touchAgent', (trx) => accounts.touchAgent(trx, id, now));
  }

  upsertWorkingEnvironment(we: Omit<WorkingEnvironment, 'createdAt'>, now = Date.now()): Promise<WorkingEnvironment> {
    return this.write('upsertWorkingEnvironment', (trx) => wes.upsertWorkingEnvironment(trx, we, now));
  }
  getWorkingEnvironment(accountId: string, id: string): Promise<WorkingEnvironment | undefined> {
    return this.read('getWorkingEnvironment', () => wes.getWorkingEnvironment(this.db, accountId, id));
  }
  listWorkingEnvironments(accountId: string): Promise<WorkingEnvironment[]> {
    return this.read('listWorkingEnvironments', () => wes.listWorkingEnvironments(this.db, accountId));
  }
  upsertVolume(v: { workingEnvironmentId: string; name: string }, now = Date.now()): Promise<Volume> {
    return this.write('upsertVolume', (trx) => wes.upsertVolume(trx, v, now));
  }
  listVolumes(workingEnvironmentId: string): Promise<Volume[]> {
    return this.read('listVolumes', () => wes.listVolumes(this.db, workingEnvironmentId));
  }

  createJob(j: NewJob, now = Date.now()): Promise<Job> {
    return this.write('createJob', async (trx) => {
      const id = await createJob(trx, j, now);
      return mustExist(await loadJob(trx, id), id);
    });
  }
  getJob(accountId: string, jobId: string): Promise<Job | undefined> {
    return this.read('getJob', () => loadJob(this.db, jobId, accountId));
  }
  listJobs(accountId: string, f: JobFilter): Promise<Job[]> {
    return this.read('listJobs', () => listJobs(this.db, accountId, f));
  }
  countJobsByStatus(): Promise<Record<JobStatus, number>> {
    return this.read('countJobsByStatus', () => countJobsByStatus(this.db));
  }

  getTask(taskId: string): Promise<Task | undefined> {
    return this.read('getTask', async () => {
      const r = await this.db.selectFrom('tasks').selectAll().where('id', '=', taskId).executeTakeFirst();
      return r === undefined ? undefined : toTask(r);
    });
  }
  claimTask(agentId: string, o: { leaseMs: number; now?: number }): Promise<Task | undefined> {
    assertLeaseMs(o.leaseMs);
    const now = o.now ?? Date.now();
    return this.write('claimTask', (trx) => claimTask(this.d, trx, agentId, o.leaseMs, now));
  }
  heartbeat(taskId: string, agentId: string, leaseToken: string, progress: Progress | undefined, o: { leaseMs: number; now?: number }): Promise<Task> {
    assertLeaseMs(o.leaseMs);
    const now = o.now ?? Date.now();
    return this.write('heartbeat', (trx) => heartbeatTask(this.d, trx, taskId, agentId, leaseToken, progress, o.leaseMs, now));
  }
  completeTask(taskId: string, agentId: string, leaseToken: string, completion: TaskCompletion, now = Date.now()): Promise<Job> {
    return this.write('completeTask', async (trx) => {
      const jobId = await finishTask(this.d, trx, taskId, agentId, leaseToken, { status: 'SUCCESS', completion }, now);
      return mustExist(await loadJob(trx, jobId), jobId);
    });
  }
  failTask(taskId: string, agentId: string, leaseToken: string, error: string, now = Date.now()): Promise<Job> {
    return this.write('failTask', async (trx) => {
      const jobId = await finishTask(this.d, trx, taskId, agentId, leaseToken, { status: 'FAILED', error }, now);
      return mustExist(await loadJob(trx, jobId), jobId);
    });
  }
  async expireLeases(now = Date.now()): Promise<number> {
    const jobIds = await this.read('expireLeases', () => jobsWithExpiredLeases(this.db, now, this.o.agentGoneAfterMs));
    let changed = 0;
    // One short transaction per job: a sweep over many jobs never holds the writer for long.
    for (const jobId of jobIds) {
      changed += await this.write('expireLeases', (trx) => expireJobLeases(this.d, trx, jobId, now, this.o.agentGoneAfterMs));
    }
    return changed;
  }

  // ---- backup targets, backups, volume states, agent calls (migration 0002) -------

  setAgentCredential(agentId: string, credentialHash: string): Promise<void> {
    return this.write('setAgentCredential', (trx) => setAgentCredential(trx, agentId, credentialHash));
  }
  activateBackup(target: BackupTarget, job: NewJob, now = Date.now()): Promise<Job> {
    return this.write('activateBackup', async (trx) => {
      const inserted = (await targets.insertBackupTarget(trx, target)) || (await targets.replaceFailedBackupTarget(trx, target));
      if (!inserted) throw new CbsError('CONFLICT', `backup is already activated on working environment ${target.workingEnvironmentId}`);
      const id = await createJob(trx, job, now);
      return mustExist(await loadJob(trx, id), id);
    });
  }
  getBackupTarget(accountId: string, weId: string): Promise<BackupTarget | undefined> {
    return this.read('getBackupTarget', () => targets.getBackupTarget(this.db, accountId, weId));
  }
  listBackupTargets(accountId: string): Promise<BackupTarget[]> {
    return this.read('listBackupTargets', () => targets.listBackupTargets(this.db, accountId));
  }
  recordBackup(b: BackupRecord): Promise<void> {
    return this.write('recordBackup', (trx) => backups.recordBackup(trx, b));
  }
  listBackups(accountId: string, weId: string, volumeId: string): Promise<BackupRecord[]> {
    return this.read('listBackups', () => backups.listBackups(this.db, accountId, weId, volumeId));
  }
  getBackup(accountId: string, weId: string, id: string): Promise<BackupRecord | undefined> {
    return this.read('getBackup', () => backups.getBackup(this.db, accountId, weId, id));
  }
  reportVolumes(weId: string, reports: VolumeReport[], now = Date.now()): Promise<Volume[]> {
    return this.write('reportVolumes', (trx) => volumeStates.reportVolumes(trx, weId, reports, now));
  }
  listVolumeStates(weId: string): Promise<VolumeState[]> {
    return this.read('listVolumeStates', () => volumeStates.listVolumeStates(this.db, weId));
  }
  createAgentCall(c: Omit<AgentCall, 'status'>): Promise<AgentCall> {
    return this.write('createAgentCall', (trx) => calls.createAgentCall(trx, c));
  }
  claimAgentCalls(agentId: string, max: number, now = Date.now()): Promise<AgentCall[]> {
    return this.write('claimAgentCalls', (trx) => calls.claimAgentCalls(this.d, trx, agentId, max, now));
  }
  finishAgentCall(id: string, agentId: string, outcome: { result: unknown } | { error: { code: string; message: string } }): Promise<void> {
    return this.write('finishAgentCall', (trx) => calls.finishAgentCall(trx, id, agentId, outcome));
  }
  getAgentCall(id: string): Promise<AgentCall | undefined> {
    return this.read('getAgentCall', () => calls.getAgentCall(this.db, id));
  }
  hasPendingTask(agentId: string): Promise<boolean> {
    return this.read('hasPendingTask', () => pending.hasPendingTask(this.db, agentId));
  }
  hasPendingAgentCall(agentId: string, now = Date.now()): Promise<boolean> {
    return this.read('hasPendingAgentCall', () => pending.hasPendingAgentCall(this.db, agentId, now));
  }
  deleteAgentCall(id: string): Promise<void> {
    return this.write('deleteAgentCall', (trx) => calls.deleteAgentCall(trx, id));
  }

  // ---- secrets (migration 0004) ---------------------------------------------------

  revokeToken(r: RevokedToken): Promise<void> {
    return this.write('revokeToken', (trx) => revoked.revokeToken(trx, r));
  }
  listRevokedTokens(now = Date.now()): Promise<RevokedToken[]> {
    return this.read('listRevokedTokens', () => revoked.listRevokedTokens(this.db, now));
  }
  listWrappedSecrets(): Promise<WrappedSecret[]> {
    return this.read('listWrappedSecrets', () => wrapped.listWrappedSecrets(this.db));
  }
  rewrapSecrets(rewrap: (wrapped: string) => string, settings: Record<string, string>): Promise<number> {
    return this.write('rewrapSecrets', (trx) => wrapped.rewrapSecrets(this.d, trx, rewrap, settings));
  }

  private write<T>(op: string, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.read(op, () => this.db.transaction().execute(fn));
  }

  private async read<T>(op: string, fn: () => Promise<T>): Promise<T> {
    this.assertOpen(op);
    const deadline = Date.now() + this.d.retryForMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (e instanceof CbsError) throw e;
        const kind = this.d.classifyError(e);
        if (isRetryable(kind) && Date.now() < deadline) {
          // Jittered exponential backoff, capped: contenders spread out instead of retrying in step.
          await delay(Math.random() * Math.min(2 ** attempt, 50));
          continue;
        }
        throw mapDriverError(e, kind, op);
      }
    }
  }

  private assertOpen(op: string): void {
    if (this.closed) throw new CbsError('STORE_UNAVAILABLE', `job store is closed (${op})`);
  }
}

function mustExist(job: Job | undefined, id: string): Job {
  if (job === undefined) throw new CbsError('INTERNAL', `job ${id} vanished inside its own transaction`);
  return job;
}

function assertLeaseMs(leaseMs: number): void {
  if (!Number.isInteger(leaseMs) || leaseMs < 1) {
    throw new CbsError('VALIDATION_FAILED', 'leaseMs: must be a positive integer', { details: { field: 'leaseMs' } });
  }
}
