import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { KeyVault } from '../api/index.js';
import type { JobStore } from '../store/job-store.js';

export const SETTING_KEK = 'key-encryption-key';
const VERSION = 'v1';

/**
 * The control plane's key-encryption key (32 random bytes in the store's settings,
 * shared by every instance on that store) wrapping repository keys and provider
 * credentials with AES-256-GCM: `v1.<nonce>.<tag>.<ciphertext>`, base64url parts.
 * Anyone with the database and the settings row can unwrap: protect the database.
 */
export class AesGcmKeyVault implements KeyVault {
  constructor(private readonly kek: Buffer) {
    if (kek.length !== 32) throw new Error('key-encryption key must be 32 bytes');
  }

  wrap(plain: Buffer): string {
    const nonce = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.kek, nonce);
    const ct = Buffer.concat([c.update(plain), c.final()]);
    return [VERSION, nonce, c.getAuthTag(), ct].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
  }

  unwrap(wrapped: string): Buffer {
    const [v, n, t, ct] = wrapped.split('.');
    if (v !== VERSION || n === undefined || t === undefined || ct === undefined) throw new Error('not a wrapped key of this vault');
    const d = createDecipheriv('aes-256-gcm', this.kek, Buffer.from(n, 'base64url'));
    d.setAuthTag(Buffer.from(t, 'base64url'));
    return Buffer.concat([d.update(Buffer.from(ct, 'base64url')), d.final()]);
  }
}

export async function keyVaultOf(store: JobStore): Promise<AesGcmKeyVault> {
  const b64 = await store.initSetting(SETTING_KEK, randomBytes(32).toString('base64'));
  return new AesGcmKeyVault(Buffer.from(b64, 'base64'));
}
