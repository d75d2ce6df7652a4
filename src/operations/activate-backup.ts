import { randomBytes, randomUUID } from 'node:crypto';
import type { Job } from '../store/model.js';
import type { BackupTarget } from '../store/backup-model.js';
import type { OperationsDeps } from './deps.js';
import { weOf } from './lookups.js';
import { providerLocation, type ProviderRequest } from './provider-location.js';
import { newTask, wakeAgents } from './submit-job.js';

/** An activation, named as the API names it (POST …/v3/backup/working-environment/{weId}). */
export interface ActivationRequest extends ProviderRequest {
  'backup-policy'?: Record<string, unknown>;
  'auto-backup-enabled'?: boolean;
}

/**
 * Activates backup on a WE: a random repository secret and the provider credentials
 * are wrapped by the key vault and stored with the target, together with a
 * `backup-working-environment` job whose one task makes the WE's agent initialise the
 * repository — one transaction. The target is ACTIVATING until that job ends; the
 * store then sets it ON or FAILED. CONFLICT when backup is already active (a FAILED
 * activation is replaced).
 */
export async function activateBackup(deps: OperationsDeps, accountId: string, weId: string, r: ActivationRequest): Promise<Job> {
  const we = await weOf(deps.store, accountId, weId);
  const { location, options, credentials } = providerLocation(r, deps.options.bucketsRoot);
  const jobId = randomUUID();
  const target: BackupTarget = {
    workingEnvironmentId: we.id, accountId: we.accountId, provider: r.provider, bucket: r.bucket, location,
    wrappedKey: deps.keys.wrap(randomBytes(32)), options,
    ...(credentials ? { wrappedCredentials: deps.keys.wrap(Buffer.from(JSON.stringify(credentials))) } : {}),
    ...(r['backup-policy'] ? { backupPolicy: r['backup-policy'] } : {}),
    autoBackupEnabled: r['auto-backup-enabled'] ?? false, status: 'ACTIVATING', jobId, createdAt: Date.now(),
  };
  const job = {
    id: jobId, accountId: we.accountId, workingEnvironmentId: we.id, type: 'backup-working-environment' as const,
    tasks: [newTask('init-repository', { weId: we.id }, { agentId: we.agentId, maxAttempts: deps.options.maxAttempts })],
  };
  const created = await deps.store.activateBackup(target, job);
  wakeAgents(deps, job);
  return created;
}
