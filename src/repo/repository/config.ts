import { AVG_CHUNK, CHUNKER_ALGORITHM, MAX_CHUNK, MIN_CHUNK } from '../chunker/index.js';
import { COMPRESSION_ALGORITHM } from '../compress/index.js';
import { RepoError } from '../errors.js';
import { PACK_TARGET_SIZE } from '../pack/index.js';

/** The repository config object (`config`, sealed as kind `config`). Algorithms are stable names. */
export interface RepoConfig {
  readonly version: 1;
  readonly id: string;
  readonly created: string;
  readonly chunker: { readonly algorithm: string; readonly min: number; readonly avg: number; readonly max: number };
  readonly blobId: string;
  readonly compression: string;
  readonly cipher: string;
  readonly packSize: number;
}

export function newConfig(id: string): RepoConfig {
  return {
    version: 1,
    id,
    created: new Date().toISOString(),
    chunker: { algorithm: CHUNKER_ALGORITHM, min: MIN_CHUNK, avg: AVG_CHUNK, max: MAX_CHUNK },
    blobId: 'hmac-sha256',
    compression: COMPRESSION_ALGORITHM,
    cipher: 'aes-256-gcm',
    packSize: PACK_TARGET_SIZE,
  };
}

/** Refuses a config this version cannot read correctly (unknown version or algorithm). */
export function validateConfig(c: RepoConfig): RepoConfig {
  const bad = (why: string): never => { throw new RepoError('REPO_FORMAT', `unsupported repository config: ${why}`, { object: 'config' }); };
  if (c.version !== 1) bad(`version ${String(c.version)}`);
  if (typeof c.id !== 'string' || !/^[0-9a-f]{64}$/.test(c.id)) bad('id');
  if (c.chunker?.algorithm !== CHUNKER_ALGORITHM) bad(`chunker ${String(c.chunker?.algorithm)}`);
  if (c.blobId !== 'hmac-sha256') bad(`blob id ${c.blobId}`);
  if (c.compression !== COMPRESSION_ALGORITHM) bad(`compression ${c.compression}`);
  if (c.cipher !== 'aes-256-gcm') bad(`cipher ${c.cipher}`);
  if (!Number.isSafeInteger(c.packSize) || c.packSize < 1024) bad('pack size');
  return c;
}
