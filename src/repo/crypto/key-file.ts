import { createHmac, randomBytes, scrypt as scryptCb } from 'node:crypto';
import { hostname } from 'node:os';
import { RepoError } from '../errors.js';
import { masterKeyFromJson, masterKeyToJson, type MasterKey } from './master-key.js';
import { open, seal } from './seal.js';
import { isRepoError } from '../errors.js';

export interface ScryptParams { readonly N: number; readonly r: number; readonly p: number }

/** ~100 ms and 32 MiB on a current machine. Tests pass cheaper params. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 32768, r: 8, p: 1 };

/** How a key file's wrapping key is obtained. */
export type KeySecret = { readonly passphrase: string } | { readonly kek: Buffer };

interface KeyFileJson {
  version: 1;
  created: string;
  hostname: string;
  kdf: 'scrypt' | 'kek';
  scrypt?: ScryptParams;
  salt?: string;
  kekId?: string;
  data: string;
}

function deriveScrypt(passphrase: string, salt: Buffer, p: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(passphrase.normalize('NFC'), salt, 32, { N: p.N, r: p.r, p: p.p, maxmem: 256 * p.N * p.r + 16 * 1024 * 1024 }, (err, key) => {
      if (err) reject(new RepoError('REPO_FORMAT', 'scrypt failed', { cause: err }));
      else resolve(key);
    });
  });
}

/** Identifies a KEK without revealing it, so a key file can say which KEK wraps it. */
export function kekId(kek: Buffer): string {
  return createHmac('sha256', kek).update('opencbs-kek-id').digest('hex').slice(0, 16);
}

function checkKek(kek: Buffer): void {
  if (kek.length !== 32) throw new RepoError('REPO_FORMAT', `key-encryption key must be 32 bytes, got ${kek.length}`);
}

/** Builds the bytes of a key file (stored at `keys/<sha256 of these bytes>`). */
export async function createKeyFile(master: MasterKey, secret: KeySecret, scrypt: ScryptParams = DEFAULT_SCRYPT): Promise<Buffer> {
  const plain = Buffer.from(JSON.stringify(masterKeyToJson(master)));
  const base = { version: 1 as const, created: new Date().toISOString(), hostname: hostname() };
  let body: KeyFileJson;
  if ('passphrase' in secret) {
    const salt = randomBytes(32);
    const wrap = await deriveScrypt(secret.passphrase, salt, scrypt);
    body = { ...base, kdf: 'scrypt', scrypt: { N: scrypt.N, r: scrypt.r, p: scrypt.p }, salt: salt.toString('base64'), data: seal(wrap, 'key', [plain]).toString('base64') };
  } else {
    checkKek(secret.kek);
    body = { ...base, kdf: 'kek', kekId: kekId(secret.kek), data: seal(secret.kek, 'key', [plain]).toString('base64') };
  }
  return Buffer.from(JSON.stringify(body, null, 2) + '\n');
}

/**
 * Unwraps a key file. Returns undefined when the secret does not open this key file
 * (wrong passphrase, other KEK, other kind) so the caller can try the next one;
 * throws REPO_FORMAT when the file itself is malformed.
 */
export async function unwrapKeyFile(bytes: Buffer, secret: KeySecret, name: string): Promise<MasterKey | undefined> {
  let j: KeyFileJson;
  try {
    j = JSON.parse(bytes.toString('utf8')) as KeyFileJson;
  } catch (e) {
    throw new RepoError('REPO_FORMAT', `key file ${name} is not JSON`, { object: name, cause: e });
  }
  if (j.version !== 1 || typeof j.data !== 'string') throw new RepoError('REPO_FORMAT', `key file ${name} has an unknown version`, { object: name });
  let wrap: Buffer;
  if ('passphrase' in secret) {
    if (j.kdf !== 'scrypt' || !j.scrypt || typeof j.salt !== 'string') return undefined;
    wrap = await deriveScrypt(secret.passphrase, Buffer.from(j.salt, 'base64'), j.scrypt);
  } else {
    checkKek(secret.kek);
    if (j.kdf !== 'kek' || j.kekId !== kekId(secret.kek)) return undefined;
    wrap = secret.kek;
  }
  let plain: Buffer;
  try {
    plain = open(wrap, 'key', Buffer.from(j.data, 'base64'), name);
  } catch (e) {
    if (isRepoError(e, 'REPO_INTEGRITY')) return undefined;
    throw e;
  }
  return masterKeyFromJson(JSON.parse(plain.toString('utf8')), name);
}
