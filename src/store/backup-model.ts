/**
 * What the store keeps beside jobs: where each working environment's
 * backups live (its backup target), the backups made (filled from task results), the
 * last state an agent reported for each volume, and short request/answer calls from the
 * control plane to an agent (live browse, backup browse).
 */

/** Activation of backup on a WE: one repository per WE, in one bucket. */
export interface BackupTarget {
  workingEnvironmentId: string;
  accountId: string;
  /** LOCAL | AWS | SGWS | ONTAP_S3 */
  provider: string;
  bucket: string;
  /** Storage location the agent opens (`local:/path`, `s3:https://host/bucket`). */
  location: string;
  /** Repository secret (the engine's key-encryption key), wrapped by the control plane's KEK. */
  wrappedKey: string;
  /** Provider credentials (JSON), wrapped by the control plane's KEK; absent for LOCAL. */
  wrappedCredentials?: string;
  /** Provider options that are not secret (region, endpoint), JSON. */
  options: Record<string, unknown>;
  backupPolicy?: Record<string, unknown>;
  autoBackupEnabled: boolean;
  /** ACTIVATING until the init job completes, then ON; FAILED when it failed. */
  status: 'ACTIVATING' | 'ON' | 'FAILED';
  jobId: string;
  createdAt: number;
}

/** One backup of one volume (a repository snapshot). */
export interface BackupRecord {
  id: string;               // snapshot id
  accountId: string;
  workingEnvironmentId: string;
  volumeId: string;
  name: string;
  creationTime: number;     // epoch ms
  size: number;             // bytes of the volume's files captured (logical)
  jobId: string;
}

/** The last state an agent reported for a volume. */
export interface VolumeState {
  volumeId: string;
  /** online: present at the last discovery; missing: its directory is gone */
  status: 'online' | 'missing';
  allocated: number;        // bytes
  used: number;             // bytes
  updatedAt: number;
}

export interface VolumeReport { name: string; allocated: number; used: number }

export const AGENT_CALL_STATUSES = ['PENDING', 'CLAIMED', 'DONE'] as const;
export type AgentCallStatus = (typeof AGENT_CALL_STATUSES)[number];

/** A short request the control plane puts to an agent and waits for (seconds, not minutes). */
export interface AgentCall {
  id: string;
  accountId: string;
  agentId: string;
  kind: string;
  payload: Record<string, unknown>;
  status: AgentCallStatus;
  result?: unknown;
  /** Set when the agent answered with an error: a registered error code and a message. */
  error?: { code: string; message: string };
  createdAt: number;
  expiresAt: number;
}

/** The values of one backup target wrapped by the control plane's key-encryption key. */
export interface WrappedSecret { workingEnvironmentId: string; wrappedKey: string; wrappedCredentials?: string }
