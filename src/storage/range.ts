import { StorageError, type ByteRange } from './backend.js';

/**
 * Rejects a range that is malformed or reaches past an object of `size` bytes; a
 * short read would silently hand the engine a truncated blob, so it is an error.
 */
export function checkRange(range: ByteRange, size: number, key: string): void {
  const { offset, length } = range;
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new StorageError('invalid-range', `malformed range offset=${offset} length=${length} for ${key}`, { key });
  }
  if (offset + length > size) {
    throw new StorageError('invalid-range',
      `range offset=${offset} length=${length} exceeds object ${key} of ${size} bytes`, { key });
  }
}

/** The bytes of `range` in `data` (a view, not a copy), or all of it without a range. */
export function sliceRange(data: Buffer, range: ByteRange | undefined, key: string): Buffer {
  if (range === undefined) return data;
  checkRange(range, data.length, key);
  return data.subarray(range.offset, range.offset + range.length);
}
