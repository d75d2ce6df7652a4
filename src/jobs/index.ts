/**
 * jobs — the lifecycle of jobs and tasks, as small pure rules the store applies
 * inside its transactions.
 *  job     a long operation a caller follows: PENDING → IN_PROGRESS → COMPLETED | FAILED
 *  entry   a sub-operation shown in a job (a volume of a multi-volume backup, a batch of a file restore)
 *  task    the unit an agent claims; drives at most one entry
 *  lease   an agent's time-limited hold on a task, renewed by heartbeat, named by a token
 *  derive  recompute a job's and its entries' states from its tasks (derive-job-status.ts)
 */
export * from './derive-job-status.js';
export * from './job-error-message.js';
export * from './lease.js';
export * from './lease-sweeper.js';
export * from './sum-progress.js';
export * from './validate-new-job.js';
