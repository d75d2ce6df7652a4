import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { IntegrityError } from '../errors.js';

/** Sealed layout: nonce (12) || ciphertext || GCM tag (16). */
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
export const SEAL_OVERHEAD = NONCE_BYTES + TAG_BYTES;

/**
 * What a sealed object is. Used as GCM additional data so an object of one kind can
 * never be accepted as another (an index passed off as a snapshot, say).
 */
export type SealKind = 'blob' | 'pack-header' | 'index' | 'snapshot' | 'config' | 'lock' | 'key';

const AAD: Record<SealKind, Buffer> = {
  blob: Buffer.from('opencbs:blob'),
  'pack-header': Buffer.from('opencbs:pack-header'),
  index: Buffer.from('opencbs:index'),
  snapshot: Buffer.from('opencbs:snapshot'),
  config: Buffer.from('opencbs:config'),
  lock: Buffer.from('opencbs:lock'),
  key: Buffer.from('opencbs:key'),
};

/** AES-256-GCM with a fresh random nonce. `parts` are concatenated as plaintext without copying them first. */
export function seal(key: Buffer, kind: SealKind, parts: readonly Uint8Array[], nonce: Buffer = randomBytes(NONCE_BYTES)): Buffer {
  const c = createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(AAD[kind]);
  let len = SEAL_OVERHEAD;
  for (const p of parts) len += p.length;
  // allocUnsafeSlow: an unpooled buffer of its own, which worker threads can transfer
  // cheaply (a Buffer.concat result is copied by postMessage even when transferred).
  const out = Buffer.allocUnsafeSlow(len);
  nonce.copy(out, 0);
  let o = NONCE_BYTES;
  for (const p of parts) o += c.update(p).copy(out, o);
  o += c.final().copy(out, o);
  c.getAuthTag().copy(out, o);
  return out;
}

/** Opens a sealed object; any tampering or a wrong key raises IntegrityError naming `object`. */
export function open(key: Buffer, kind: SealKind, sealed: Uint8Array, object: string): Buffer {
  if (sealed.length < SEAL_OVERHEAD) throw new IntegrityError(object, `sealed ${kind} is ${sealed.length} bytes, shorter than nonce and tag`);
  const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  const d = createDecipheriv('aes-256-gcm', key, buf.subarray(0, NONCE_BYTES));
  d.setAAD(AAD[kind]);
  d.setAuthTag(buf.subarray(buf.length - TAG_BYTES));
  try {
    const a = d.update(buf.subarray(NONCE_BYTES, buf.length - TAG_BYTES));
    const b = d.final();
    return b.length === 0 ? a : Buffer.concat([a, b]);
  } catch (e) {
    throw new IntegrityError(object, `${kind} does not authenticate (corrupted, or wrong key)`, { cause: e });
  }
}
