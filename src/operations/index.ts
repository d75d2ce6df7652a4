/**
 * operations — what callers (HTTP routes today, the scheduler next) can ask of the
 * control plane, with the domain rules that go with it. Each operation checks its
 * request against the store, writes in one store call (one transaction) and wakes the
 * agents that will do the work; none of it knows HTTP.
 *  submit   write a job with its entries and tasks, then wake the agents (submit-job.ts)
 *  activate back up a WE into a bucket: target + init job (activate-backup.ts)
 *  backup   back volumes up now (submit-backup.ts); restore: plan and submit (plan-restore.ts)
 *  browse   list a live or backed-up directory, a page at a time, through agent calls (browse.ts)
 *  call     a short question to an agent through the store (agent-calls.ts)
 *  report   an agent claiming, renewing and finishing tasks (agent-work.ts); what each
 *           kind's success changes (task-outcome.ts)
 * May import errors, config, tasks, jobs and the store's interface and model; never an
 * implementation (repo, storage, agent, api, main).
 */
export * from './deps.js';
export * from './work-notifier.js';
export * from './lookups.js';
export * from './browse-path.js';
export * from './submit-job.js';
export * from './provider-location.js';
export * from './activate-backup.js';
export * from './submit-backup.js';
export * from './plan-restore.js';
export * from './browse.js';
export * from './export-key.js';
export * from './agent-calls.js';
export * from './agent-work.js';
export * from './agents.js';
export * from './task-outcome.js';
export * from './scrub-paths.js';
