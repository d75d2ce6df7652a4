import { callAgent } from './agent-calls.js';
import type { OperationsDeps } from './deps.js';
import { activeTargetOf, weOf } from './lookups.js';

/**
 * The repository's master key of a WE as a key export, for restore without the server.
 * The control plane holds only the wrapping secret; the WE's agent opens the repository
 * and exports its master key (`export-key` call).
 */
export async function exportRepositoryKey(deps: OperationsDeps, accountId: string, weId: string): Promise<{ keyExport: string; location: string; bucket: string }> {
  const we = await weOf(deps.store, accountId, weId);
  const t = await activeTargetOf(deps.store, we);
  const r = await callAgent(deps, { accountId: we.accountId, agentId: we.agentId }, 'export-key', { weId: we.id });
  return { keyExport: r.keyExport, location: t.location, bucket: t.bucket };
}
