import { RepoError } from '../errors.js';
import { masterKeyFromJson, masterKeyToJson, type MasterKey } from './master-key.js';

/**
 * A key export is the master key in the clear, as base64 of a small JSON document.
 * Whoever holds it can read the repository without any server or passphrase, so it
 * is meant for offline safekeeping (disaster recovery).
 */
export const KEY_EXPORT_FORMAT = 'opencbs-key-export-1';

export function exportMasterKey(master: MasterKey, repositoryId: string): string {
  const doc = { format: KEY_EXPORT_FORMAT, repositoryId, ...masterKeyToJson(master) };
  return Buffer.from(JSON.stringify(doc)).toString('base64');
}

export function importMasterKey(exported: string): { master: MasterKey; repositoryId: string } {
  let doc: { format?: unknown; repositoryId?: unknown };
  try {
    doc = JSON.parse(Buffer.from(exported.trim(), 'base64').toString('utf8')) as typeof doc;
  } catch (e) {
    throw new RepoError('REPO_FORMAT', 'key export is not base64 JSON', { cause: e });
  }
  if (doc.format !== KEY_EXPORT_FORMAT || typeof doc.repositoryId !== 'string') {
    throw new RepoError('REPO_FORMAT', `key export format must be ${KEY_EXPORT_FORMAT}`);
  }
  return { master: masterKeyFromJson(doc, 'key export'), repositoryId: doc.repositoryId };
}
