/** Messages between the engine's main thread and its worker threads. */
export interface WorkerKeys { readonly encKey: Uint8Array; readonly macKey: Uint8Array; readonly chunkerSeed: Uint8Array }

export interface OpenRequestBlob { readonly id: Uint8Array; readonly offset: number; readonly length: number; readonly rawLength: number }

export type ToWorker =
  | { readonly t: 'file'; readonly job: number; readonly path: string }
  | { readonly t: 'answer'; readonly job: number; readonly store: boolean }
  | { readonly t: 'open'; readonly job: number; readonly packId: string; readonly buf: Uint8Array; readonly blobs: readonly OpenRequestBlob[] };

export interface WireError { readonly message: string; readonly code?: string; readonly object?: string; readonly integrity?: boolean }

export type FromWorker =
  | { readonly t: 'query'; readonly job: number; readonly id: Uint8Array }
  | { readonly t: 'blob'; readonly job: number; readonly id: Uint8Array; readonly sealed: Uint8Array; readonly rawLength: number }
  | { readonly t: 'file-done'; readonly job: number; readonly content: string[]; readonly size: number }
  | { readonly t: 'opened'; readonly job: number; readonly plains: Uint8Array[] }
  | { readonly t: 'error'; readonly job: number; readonly error: WireError };

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
