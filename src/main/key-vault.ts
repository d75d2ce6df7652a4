import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { KeyVault } from '../api/index.js';
import type { JobStore } from '../store/job-store.js';
import { loadSharedSecret, replaceSharedSecret, type SharedSecretSpec } from './shared-secret.js';

/** Where versions before the KEK file kept the key-encryption key: moved to the file on start, then removed. */
export const SETTING_KEK = 'key-encryption-key';
/** The store's check value of the key-encryption key (see shared-secret.ts). */
export const SETTING_KEK_CHECK = 'key-encryption-key-check';
const VERSION = 'v1';

/**
 * The control plane's key-encryption key (KEK) wrapping repository keys and provider
 * credentials with AES-256-GCM: `v1.<nonce>.<tag>.<ciphertext>`, base64url parts.
 * The KEK lives in a file of its own (`$CBS_HOME/kek` or CBS_KEK_FILE, 0600), never in
 * the store it protects: a copy of the database alone opens nothing.
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

  /** Whether this vault's key opens `wrapped`. */
  opens(wrapped: string): boolean {
    try {
      this.unwrap(wrapped);
      return true;
    } catch {
      return false;
    }
  }
}

type KekStore = Pick<JobStore, 'getSetting' | 'initSetting' | 'deleteSetting' | 'listWrappedSecrets'>;

export interface KekOptions {
  /** The KEK file. @default $CBS_HOME/kek (Config.secrets.kekFile) */
  kekFile: string;
  onNote?: (note: string) => void;
}

function kekSpec(store: KekStore, o: KekOptions): SharedSecretSpec {
  return {
    what: 'key-encryption key', file: o.kekFile, fileSetting: 'CBS_KEK_FILE', bytes: 32,
    legacySetting: SETTING_KEK, checkSetting: SETTING_KEK_CHECK,
    inUse: async () => (await store.listWrappedSecrets()).length > 0,
    opens: async (kek) => {
      const first = (await store.listWrappedSecrets())[0];
      return first === undefined || new AesGcmKeyVault(kek).opens(first.wrappedKey);
    },
    ...(o.onNote ? { onNote: o.onNote } : {}),
  };
}

/**
 * The vault over the KEK file; the first start of a store creates the file, an
 * install that kept the KEK in the store's settings has it moved to the file. Refuses
 * (PrivateFileError) a missing file when the store holds wrapped values, and a file
 * that is not the store's.
 */
export async function openKeyVault(store: KekStore, o: KekOptions): Promise<AesGcmKeyVault> {
  return new AesGcmKeyVault(await loadSharedSecret(store, kekSpec(store, o)));
}

/**
 * `cbs kek rotate`: a new KEK re-wraps every wrapped value in one transaction of the
 * store, then replaces the KEK file. Every control-plane instance of the store must be
 * stopped first (a running one would still wrap with the old key) and be given the new
 * file before it starts again. Returns how many values were re-wrapped.
 */
export async function rotateKek(store: KekStore & Pick<JobStore, 'rewrapSecrets'>, o: KekOptions): Promise<number> {
  const old = await openKeyVault(store, o);
  let rewrapped = 0;
  await replaceSharedSecret({ file: o.kekFile, bytes: 32, checkSetting: SETTING_KEK_CHECK }, async (next, check) => {
    const vault = new AesGcmKeyVault(next);
    rewrapped = await store.rewrapSecrets((w) => vault.wrap(old.unwrap(w)), { [SETTING_KEK_CHECK]: check });
  });
  return rewrapped;
}
