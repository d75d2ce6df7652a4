import { randomBytes } from 'node:crypto';
import { RepoError } from '../errors.js';

/**
 * The secret material of one repository. Everything stored is sealed with `encKey`;
 * blob ids are HMAC-SHA256 under `macKey`; the chunker's gear table is derived from
 * `chunkerSeed`, so chunk boundaries reveal nothing to someone without the key.
 */
export interface MasterKey {
  readonly encKey: Buffer;
  readonly macKey: Buffer;
  readonly chunkerSeed: Buffer;
}

export const KEY_BYTES = 32;

export function generateMasterKey(chunkerSeed?: Buffer): MasterKey {
  return {
    encKey: randomBytes(KEY_BYTES),
    macKey: randomBytes(KEY_BYTES),
    chunkerSeed: chunkerSeed ?? randomBytes(KEY_BYTES),
  };
}

/** JSON form used inside key files and key exports. */
export interface MasterKeyJson {
  encrypt: string;
  mac: string;
  chunkerSeed: string;
}

export function masterKeyToJson(k: MasterKey): MasterKeyJson {
  return { encrypt: k.encKey.toString('base64'), mac: k.macKey.toString('base64'), chunkerSeed: k.chunkerSeed.toString('base64') };
}

export function masterKeyFromJson(j: unknown, what: string): MasterKey {
  const o = j as Partial<MasterKeyJson> | null;
  if (!o || typeof o.encrypt !== 'string' || typeof o.mac !== 'string' || typeof o.chunkerSeed !== 'string') {
    throw new RepoError('REPO_FORMAT', `${what}: not a master key`);
  }
  const k = { encKey: Buffer.from(o.encrypt, 'base64'), macKey: Buffer.from(o.mac, 'base64'), chunkerSeed: Buffer.from(o.chunkerSeed, 'base64') };
  if (k.encKey.length !== KEY_BYTES || k.macKey.length !== KEY_BYTES || k.chunkerSeed.length !== KEY_BYTES) {
    throw new RepoError('REPO_FORMAT', `${what}: master key parts must be ${KEY_BYTES} bytes each`);
  }
  return k;
}
