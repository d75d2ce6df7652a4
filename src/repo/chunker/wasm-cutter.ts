import { AVG_CHUNK, MAX_CHUNK, MIN_CHUNK } from './params.js';

/**
 * The gear-hash loop of fastcdc.ts compiled to WebAssembly: the same cut points,
 * about three times faster than the JavaScript loop (no bounds checks, no int
 * conversions). Source, assembled with wabt's wat2wasm:
 *
 * (module
 *   (import "env" "memory" (memory 1))
 *   ;; gear table: 256 u32 at address 0; cut(p, normal, limit) hashes [p, limit) with
 *   ;; MASK_S before `normal`, MASK_L after; returns one past the matching byte, or limit
 *   (func (export "cut") (param $p i32) (param $normal i32) (param $limit i32) (result i32)
 *     (local $h i32)
 *     (block $b1 (loop $l1
 *       (br_if $b1 (i32.ge_u (local.get $p) (local.get $normal)))
 *       (local.set $h (i32.add (i32.shl (local.get $h) (i32.const 1))
 *                              (i32.load (i32.shl (i32.load8_u (local.get $p)) (i32.const 2)))))
 *       (local.set $p (i32.add (local.get $p) (i32.const 1)))
 *       (if (i32.eqz (i32.and (local.get $h) (i32.const 0xfffffc00))) (then (return (local.get $p))))
 *       (br $l1)))
 *     (block $b2 (loop $l2
 *       (br_if $b2 (i32.ge_u (local.get $p) (local.get $limit)))
 *       (local.set $h (i32.add (i32.shl (local.get $h) (i32.const 1))
 *                              (i32.load (i32.shl (i32.load8_u (local.get $p)) (i32.const 2)))))
 *       (local.set $p (i32.add (local.get $p) (i32.const 1)))
 *       (if (i32.eqz (i32.and (local.get $h) (i32.const 0xffffc000))) (then (return (local.get $p))))
 *       (br $l2)))
 *     (local.get $limit)))
 */
const WASM = 'AGFzbQEAAAABCAFgA39/fwF/Ag8BA2VudgZtZW1vcnkCAAEDAgEABwcBA2N1dAAACnUBcwEBfwJAA0AgACABTw0BIANBAXQgAC0AAEECdCgCAGohAyAAQQFqIQAgA0GAeHFFBEAgAA8LDAALCwJAA0AgACACTw0BIANBAXQgAC0AAEECdCgCAGohAyAAQQFqIQAgA0GAgH9xRQRAIAAPCwwACwsgAgs=';

const TABLE_BYTES = 1024;
const PAGE = 65536;

// The project's TypeScript lib has no WebAssembly declarations; the few used here.
interface WasmApi {
  Memory: new (d: { initial: number; maximum: number }) => { readonly buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: Record<string, Record<string, unknown>>) => { readonly exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let module: object | undefined;

/**
 * A chunk buffer living in WebAssembly memory, with the cut-point search over it.
 * The memory has a fixed size (it never grows), so `buffer` stays valid.
 */
export class WasmCutter {
  /** Where chunkStream reads file data: 2 × MAX_CHUNK bytes. */
  readonly buffer: Buffer;
  private readonly cutFn: (p: number, normal: number, limit: number) => number;

  constructor(gear: Int32Array) {
    const pages = Math.ceil((TABLE_BYTES + 2 * MAX_CHUNK) / PAGE);
    const memory = new wasm.Memory({ initial: pages, maximum: pages });
    module ??= new wasm.Module(Buffer.from(WASM, 'base64'));
    const inst = new wasm.Instance(module, { env: { memory } });
    this.cutFn = inst.exports.cut as (p: number, normal: number, limit: number) => number;
    new Int32Array(memory.buffer, 0, 256).set(gear);
    this.buffer = Buffer.from(memory.buffer, TABLE_BYTES, 2 * MAX_CHUNK);
  }

  /** findCut over this.buffer[start, end): same contract and result as fastcdc.ts findCut. */
  readonly findCut = (start: number, end: number): number => {
    const n = end - start;
    if (n <= MIN_CHUNK) return end;
    const limit = start + (n < MAX_CHUNK ? n : MAX_CHUNK);
    const normal = start + (n < AVG_CHUNK ? n : AVG_CHUNK);
    return this.cutFn(TABLE_BYTES + start + MIN_CHUNK, TABLE_BYTES + normal, TABLE_BYTES + limit) - TABLE_BYTES;
  };
}
