/**
 * The public API's JSON as the console reads it (docs/API.md, /openapi.json), field
 * names exactly as sent (kebab-case). Written here rather than imported: the console
 * depends on the HTTP contract only, never on the server's code.
 */

export type Role = 'admin' | 'operator' | 'viewer';

export interface Session {
  subject: string;
  role: Role;
  'expires-at'?: number;
  account: Array<{ id: string; name: string; 'agent-id': string[] }>;
}

export interface ErrorBody { statusCode: number; error: string; code: string; message: string }

export const JOB_STATUSES = ['PENDING', 'IN_PROGRESS', 'COMPLETED', 'FAILED'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export type EntryStatus = 'PENDING' | 'IN_PROGRESS' | 'SUCCESS' | 'FAILED';

export const JOB_TYPES = [
  'backup-working-environment', 'backup-volume', 'multi-volume-backup', 'restore-volume',
  'restore-file', 'restore-folder', 'delete-backup', 'retention', 'check',
] as const;

export interface Progress { 'bytes-done': number; 'bytes-total': number; 'files-done': number; 'files-total': number }
export interface VolumeEntry { id: string; status: EntryStatus; error: string; 'snapshot-id'?: string }
export interface RestoreFile { inode: number; path: string; type: string; size: number; mtime: number }
export interface Batch { id: string; status: EntryStatus; error: string; time: number; file: RestoreFile[] }
export interface RestoreSource {
  'working-environment-id'?: string; 'working-environment-name'?: string; bucket?: string;
  'volume-id'?: string; 'volume-name'?: string; snapshot?: string;
}
export interface RestoreTarget {
  'working-environment-id'?: string; 'working-environment-name'?: string; svm?: string;
  'volume-name'?: string; 'volume-size'?: number; path?: string;
}

export interface Job {
  id: string;
  'working-environment-id': string;
  type: string;
  status: JobStatus;
  error: string;
  time: number;
  data?: {
    'multi-volume-backup'?: { volume: VolumeEntry[] };
    restore?: { type: string; source?: RestoreSource; target?: RestoreTarget; batch?: Batch[] };
  };
  'start-time'?: number;
  'end-time'?: number;
  progress?: Progress;
}

export interface JobPage { job: Job[]; 'next-cursor'?: string }

export interface JobQuery {
  type?: string;
  status?: string;
  'working-environment-id'?: string;
  cursor?: string;
  limit?: number;
}

export interface WorkingEnvironment {
  id: string; name: string; status: string; type: string; provider: string; svm: string;
  'total-volumes-count': string; 'agent-id': string;
}

export type EnablementStatus = 'OFF' | 'ACTIVATING' | 'ON' | 'FAILED';

export interface BackupWorkingEnvironment {
  id: string; name: string; provider: string; bucket: string; region: string;
  'backup-enablement-status': EnablementStatus;
  'backed-up-volume-count': string; 'total-volumes-count': string;
  'auto-backup-enabled': boolean; 'job-id'?: string;
}

export interface BackedUpVolume {
  'file-system-id': string; name: string; svm: string; status: string;
  'backup-status': 'ON' | 'OFF';
  'last-backup-creation-time'?: number;
  'snapshot-count': string;
  capacity: { allocated: string; used: string };
}

export interface Snapshot {
  id: string; name: string; 'creation-time': number; size: number;
  'volume-id': string; 'volume-name': string; 'working-environment-id': string; 'working-environment-name': string; svm: string;
}

export interface ExploreEntry { inode: number; name: string; path: string; type: string; size: number; mtime: number }
export interface ExplorePage {
  pageConfig: { next?: { page: number; limit: number }; previous?: { page: number; limit: number }; startIndex: number; endIndex: number; total: number };
  context: ExploreEntry[];
}

export type Provider = 'LOCAL' | 'AWS' | 'SGWS' | 'ONTAP_S3';
