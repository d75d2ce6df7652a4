import { CbsError } from '../errors/index.js';
import { JOB_TYPES, type NewJob, type Progress } from '../store/model.js';
import { DEFAULTS } from '../config/defaults.js';

/** Rejects a job the lifecycle could not run: unknown type, entries referenced out of range, duplicate entry ids. */
export function validateNewJob(j: NewJob): void {
  const fail = (field: string, why: string): never => {
    throw new CbsError('VALIDATION_FAILED', `${field}: ${why}`, { details: { field } });
  };
  if (!j.accountId) fail('accountId', 'required');
  if (!j.workingEnvironmentId) fail('workingEnvironmentId', 'required');
  if (!(JOB_TYPES as readonly string[]).includes(j.type)) fail('type', `unknown job type "${j.type}"`);
  const entries = j.entries ?? [];
  const ids = new Set<string>();
  entries.forEach((e, i) => {
    if (!e.id) fail(`entries[${i}].id`, 'required');
    if (ids.has(e.id)) fail(`entries[${i}].id`, `duplicate entry id "${e.id}"`);
    ids.add(e.id);
    if (e.kind !== 'volume' && e.kind !== 'batch') fail(`entries[${i}].kind`, 'must be volume or batch');
  });
  j.tasks.forEach((t, i) => {
    if (!t.agentId) fail(`tasks[${i}].agentId`, 'required');
    if (!t.kind) fail(`tasks[${i}].kind`, 'required');
    if (t.entryIndex !== undefined && !(Number.isInteger(t.entryIndex) && t.entryIndex >= 0 && t.entryIndex < entries.length)) {
      fail(`tasks[${i}].entryIndex`, `must index one of the ${entries.length} entries`);
    }
    const max = t.maxAttempts ?? DEFAULTS.maxAttempts;
    if (!Number.isInteger(max) || max < 1) fail(`tasks[${i}].maxAttempts`, 'must be an integer ≥ 1');
  });
}

/** Progress counters are finite and non-negative. */
export function validateProgress(p: Progress): void {
  for (const k of ['bytesDone', 'bytesTotal', 'filesDone', 'filesTotal'] as const) {
    const v = p[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new CbsError('VALIDATION_FAILED', `progress.${k}: must be a finite number ≥ 0`, { details: { field: `progress.${k}` } });
    }
  }
}
