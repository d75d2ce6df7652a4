/**
 * tasks — the contract between the control plane and its agents, defined once.
 *  task kind  a unit of work an agent claims under a lease: its payload (what to do) and
 *             result (what was done) schemas, in TASK_KINDS
 *  call kind  a short question to an agent (browse, key export): payload and result, in CALL_KINDS
 *  contract   a table of kinds with validators for both directions (Contract)
 * Producers build payloads of `TaskPayload<K>`, the wire schemas and the agent's runner
 * table are typed by the same tables, and each end validates what it receives.
 * Imports nothing of ours but errors.
 *
 * Adding a task kind: add it to TASK_KINDS (payload and result schemas), add its runner
 * to the agent's RUNNERS (the compiler says so), say what its success changes in
 * operations/task-outcome.ts (the switch is exhaustive), and produce it from an
 * operation with `newTask(kind, payload, …)`. docs/ARCHITECTURE.md follows one through.
 */
export * from './contract.js';
export * from './fields.js';
export * from './task-kinds.js';
export * from './call-kinds.js';
