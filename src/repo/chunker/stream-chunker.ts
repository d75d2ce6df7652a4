import { findCut } from './fastcdc.js';
import { MAX_CHUNK } from './params.js';

/** Reads up to `length` bytes into buf at `offset`; returns 0 at end of input. */
export type ReadFn = (buf: Buffer, offset: number, length: number) => number;

const READ_SIZE = 1024 * 1024;

/** A buffer for chunkStream: reuse one per thread, allocating 16 MiB per file costs GC time. */
export function chunkBuffer(): Buffer {
  return Buffer.allocUnsafe(2 * MAX_CHUNK);
}

/**
 * Splits a byte stream into content-defined chunks. Memory is one buffer of
 * 2 × MAX_CHUNK (pass a reused one from chunkBuffer()); each yielded chunk is a view
 * into it, valid only until the next iteration step (copy it, or finish with it,
 * before asking for more).
 */
export function* chunkStream(gear: Int32Array, read: ReadFn, buffer?: Buffer, cut?: (start: number, end: number) => number): Generator<Buffer, void, undefined> {
  const buf = buffer && buffer.length >= MAX_CHUNK + READ_SIZE ? buffer : Buffer.allocUnsafe(2 * MAX_CHUNK);
  // A custom cut (the WebAssembly one) works on its own buffer only.
  const findCutIn = cut && buf === buffer ? cut : (s: number, e: number): number => findCut(gear, buf, s, e);
  let start = 0;
  let end = 0;
  let eof = false;
  for (;;) {
    while (!eof && end - start < MAX_CHUNK) {
      if (buf.length - end < READ_SIZE) {
        buf.copy(buf, 0, start, end);
        end -= start;
        start = 0;
      }
      const n = read(buf, end, buf.length - end);
      if (n === 0) eof = true;
      else end += n;
    }
    if (end === start) return;
    const c = findCutIn(start, end);
    yield buf.subarray(start, c);
    start = c;
  }
}

/** Chunk boundaries of an in-memory buffer (tests, small inputs). Returns chunk lengths. */
export function chunkLengths(gear: Int32Array, data: Uint8Array): number[] {
  const out: number[] = [];
  let s = 0;
  while (s < data.length) {
    const c = findCut(gear, data, s, data.length);
    out.push(c - s);
    s = c;
  }
  return out;
}
