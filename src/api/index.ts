/**
 * api — the HTTP surface.
 *  P          /account/{accountId}/providers/cloudmanager_cbs/api, the BlueXP-compatible routes
 *  route file one per API family (routes/), schemas (schemas/) are the contract
 *  ApiDeps    what the API needs from the rest, supplied by main/
 */
export { buildApp } from './app.js';
export type { ApiDeps, ApiStore } from './deps.js';
export { renderJob } from './render/job.js';
export * from './schemas/job.js';
