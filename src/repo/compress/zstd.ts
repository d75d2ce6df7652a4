import { Compressor, Decompressor } from 'zstd-napi';
import { IntegrityError } from '../errors.js';

export const COMPRESSION_ALGORITHM = 'zstd';
export const ZSTD_LEVEL = 3;

/** Blob payload flag (first plaintext byte of every sealed blob or object). */
export const FLAG_RAW = 0;
export const FLAG_ZSTD = 1;

const SAMPLE = 64 * 1024;
const SAMPLE_MIN = 4 * SAMPLE;

let compressor: Compressor | undefined;
let decompressor: Decompressor | undefined;

/**
 * Compresses `data` and returns [flag, payload]: the zstd frame when it is smaller
 * than the input, otherwise the input itself, so incompressible data costs nothing
 * on restore.
 */
export function maybeCompress(data: Uint8Array): [number, Uint8Array] {
  if (data.length < 64) return [FLAG_RAW, data];
  if (!compressor) {
    compressor = new Compressor();
    compressor.setParameters({ compressionLevel: ZSTD_LEVEL, contentSizeFlag: true, checksumFlag: false });
  }
  // Incompressible data (already compressed media, encrypted files) is common and
  // zstd gains nothing on it: test a 64 KiB sample from the middle first.
  if (data.length >= SAMPLE_MIN) {
    const mid = (data.length >>> 1) - (SAMPLE >>> 1);
    const s = data.subarray(mid, mid + SAMPLE);
    if (compressor.compress(s).length > s.length * 0.97) return [FLAG_RAW, data];
  }
  const c = compressor.compress(data);
  return c.length < data.length ? [FLAG_ZSTD, c] : [FLAG_RAW, data];
}

/** Inverse of maybeCompress, given the flagged payload (flag byte first). */
export function decodePayload(flagged: Buffer, object: string): Buffer {
  if (flagged.length === 0) throw new IntegrityError(object, 'empty payload');
  const flag = flagged[0];
  const body = flagged.subarray(1);
  if (flag === FLAG_RAW) return body;
  if (flag === FLAG_ZSTD) {
    if (!decompressor) decompressor = new Decompressor();
    try {
      return decompressor.decompress(body);
    } catch (e) {
      throw new IntegrityError(object, 'zstd payload does not decompress', { cause: e });
    }
  }
  throw new IntegrityError(object, `unknown payload flag ${flag}`);
}
