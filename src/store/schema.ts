/**
 * The tables as Kysely sees them (snake_case columns, one row type per table).
 * Times are epoch milliseconds (SQLite INTEGER, PostgreSQL BIGINT parsed to number);
 * JSON columns are TEXT on both dialects and go through `json-codec.ts`.
 */
export interface Database {
  schema_migrations: SchemaMigrationRow;
  settings: SettingRow;
  accounts: AccountRow;
  agents: AgentRow;
  working_environments: WorkingEnvironmentRow;
  volumes: VolumeRow;
  jobs: JobRow;
  job_entries: JobEntryRow;
  tasks: TaskRow;
  backup_targets: BackupTargetRow;
  backups: BackupRow;
  volume_states: VolumeStateRow;
  agent_calls: AgentCallRow;
  revoked_tokens: RevokedTokenRow;
}

export interface SchemaMigrationRow { version: number; name: string; applied_at: number }
export interface SettingRow { key: string; value: string }
export interface AccountRow { id: string; name: string; created_at: number }
export interface AgentRow {
  id: string; account_id: string; name: string; credential_hash: string;
  created_at: number; last_seen_at: number | null;
}
export interface WorkingEnvironmentRow {
  id: string; account_id: string; agent_id: string; name: string; svm: string;
  driver: string; root: string; created_at: number;
}
export interface VolumeRow { id: string; working_environment_id: string; name: string; created_at: number }
export interface JobRow {
  id: string; account_id: string; working_environment_id: string; type: string; status: string;
  error: string; time: number; start_time: number | null; end_time: number | null;
  restore: string | null;
}
export interface JobEntryRow {
  job_id: string; id: string; kind: string; position: number; name: string | null; status: string;
  error: string; time: number; snapshot_id: string | null; files: string | null;
  /** JSON {count, paths}: items a backup could not read (migration 4) */
  skipped: string | null;
}
export interface TaskRow {
  id: string; job_id: string; account_id: string; agent_id: string; entry_id: string | null;
  position: number; kind: string; payload: string; status: string; attempts: number; max_attempts: number;
  lease_token: string | null; lease_expires_at: number | null; progress: string | null;
  result: string | null; error: string; created_at: number; updated_at: number;
}

export interface BackupTargetRow {
  working_environment_id: string; account_id: string; provider: string; bucket: string; location: string;
  wrapped_key: string; wrapped_credentials: string | null; options: string; backup_policy: string | null;
  auto_backup_enabled: number; status: string; job_id: string; created_at: number;
}
export interface BackupRow {
  working_environment_id: string; id: string; account_id: string; volume_id: string; name: string;
  creation_time: number; size: number; job_id: string;
}
export interface VolumeStateRow { volume_id: string; status: string; allocated: number; used: number; updated_at: number }
export interface AgentCallRow {
  id: string; account_id: string; agent_id: string; kind: string; payload: string; status: string;
  result: string | null; error: string | null; created_at: number; expires_at: number;
}
export interface RevokedTokenRow { id: string; revoked_at: number; expires_at: number }
