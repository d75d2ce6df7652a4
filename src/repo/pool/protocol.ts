/** Messages between the engine's main thread and its worker threads. */
export interface WorkerKeys { readonly encKey: Uint8Array; readonly macKey: Uint8Array; readonly chunkerSeed: Uint8Array }

export interface OpenRequestBlob { readonly id: Uint8Array; readonly offset: number; readonly length: number; readonly rawLength: number }

/**
 * Chunks smaller than this are sealed without first asking the main thread whether
 * they are new: the round trip costs more than sealing, and the main thread drops
 * the duplicates it receives.
 */
export const INLINE_CHUNK_MAX = 256 * 1024;

export type ToWorker =
  /** `paths`: each path's bytes as a latin1 string (exact for any bytes, cheap to post). */
  | { readonly t: 'files'; readonly job: number; readonly paths: readonly string[] }
  | { readonly t: 'answer'; readonly job: number; readonly store: boolean; readonly sendPlain: boolean }
  | { readonly t: 'seal'; readonly job: number; readonly data: Uint8Array }
  | { readonly t: 'open'; readonly job: number; readonly packId: string; readonly buf: Uint8Array; readonly blobs: readonly OpenRequestBlob[]; readonly verifyOnly: boolean };

export interface WireError { readonly message: string; readonly code?: string; readonly object?: string; readonly integrity?: boolean }

/** One sealed new (or possibly new) blob travelling to the main thread. */
export interface WireBlob { readonly id: Uint8Array; readonly sealed: Uint8Array; readonly rawLength: number }

/** Outcome for one file of a 'files' job. */
export type FileOutcome = { readonly content: string[]; readonly size: number } | { readonly error: WireError };

export type FromWorker =
  | { readonly t: 'query'; readonly job: number; readonly id: Uint8Array }
  | { readonly t: 'blob'; readonly job: number; readonly blob: WireBlob; readonly confirmed: boolean }
  | { readonly t: 'plain'; readonly job: number; readonly id: Uint8Array; readonly data: Uint8Array }
  | { readonly t: 'sealed'; readonly job: number; readonly sealed: Uint8Array }
  | { readonly t: 'files-done'; readonly job: number; readonly files: FileOutcome[] }
  | { readonly t: 'opened'; readonly job: number; readonly plains: Uint8Array[] }
  | { readonly t: 'error'; readonly job: number; readonly error: WireError };

/**
 * A copy of `b` in an unpooled buffer of its own. postMessage moves such buffers in
 * microseconds; others (pooled slabs, Buffer.concat and native results) are
 * structure-cloned at several times the cost of this copy.
 */
export function owned(b: Uint8Array): Buffer {
  const out = Buffer.allocUnsafeSlow(b.length);
  out.set(b);
  return out;
}

/** An ArrayBuffer may be transferred only when the view owns all of it (not a pooled slab). */
export function transferable(views: readonly Uint8Array[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  const seen = new Set<ArrayBufferLike>();
  for (const v of views) {
    if (v.byteOffset === 0 && v.byteLength === v.buffer.byteLength && v.buffer instanceof ArrayBuffer && !seen.has(v.buffer)) {
      seen.add(v.buffer);
      out.push(v.buffer);
    }
  }
  return out;
}
