/**
 * api — the HTTP surface.
 *  P          /account/{accountId}/providers/cloudmanager_cbs/api, the BlueXP-compatible routes
 *  route file one per API family (routes/), schemas (schemas/) are the contract
 *  ApiDeps    what the API needs from the rest, supplied by main/
 * A route parses and authorises its request, calls one operation (src/operations) and
 * renders the answer; domain rules live in the operations.
 */
export { buildApp } from './app.js';
export type { ApiDeps, ApiStore, KeyVault, OperationsOptions, OperationsStore, TokenStore } from './deps.js';
export type { RepositoryInfo, WireTask, WireCall } from './schemas/agent-protocol.js';
export { renderJob } from './render/job.js';
export * from './schemas/job.js';
