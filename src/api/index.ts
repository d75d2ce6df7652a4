/**
 * api — the HTTP surface.
 *  P          /account/{accountId}/providers/cloudmanager_cbs/api, the BlueXP-compatible routes
 *  route file one per API family (routes/), schemas (schemas/) are the contract
 *  ApiDeps    what the API needs from the rest, supplied by main/
 */
export { buildApp } from './app.js';
export type { ApiDeps, ApiStore, KeyVault, ProtectionOptions, ProtectionStore, TokenStore } from './deps.js';
export type { RepositoryInfo, WireTask, WireCall } from './schemas/agent-protocol.js';
export { hashAgentSecret } from './plugins/agent-auth.js';
export { RESTORE_BATCH_FILES, RESTORE_BATCH_BYTES, splitIntoBatches } from './routes/restore.js';
export { renderJob } from './render/job.js';
export * from './schemas/job.js';
