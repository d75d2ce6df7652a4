import { isUtf8 } from 'node:buffer';

/**
 * File names as bytes, shown as strings. A name on disk is any byte string; the engine
 * (trees in memory, snapshot paths, the API) carries it in its *escaped form*:
 *  - every maximal run of bytes that is valid UTF-8 (RFC 3629: no overlong forms, no
 *    surrogates, nothing above U+10FFFF) stands for itself, except the backslash;
 *  - a backslash (0x5C) is written `\\`;
 *  - every byte that is not part of a valid UTF-8 sequence is written `\x` and two
 *    lowercase hex digits.
 * So a valid UTF-8 name without a backslash is unchanged, and the form is injective:
 * unescapeName is its inverse, and it accepts only the one canonical spelling.
 */

const BACKSLASH = 0x5c;

/** No unpaired surrogate (String.prototype.isWellFormed, which Node 20's lib typings lack). */
export function isWellFormed(s: string): boolean {
  return !/\p{Surrogate}/u.test(s);
}
const HEX = '0123456789abcdef';

/** Length of the valid UTF-8 sequence starting at b[i], or 0 when b[i] does not start one. */
function sequenceLength(b: Uint8Array, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const ok1 = c === 0xe0 ? cont(1, 0xa0) : c === 0xed ? cont(1, 0x80, 0x9f) : cont(1);
    return ok1 && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const ok1 = c === 0xf0 ? cont(1, 0x90) : c === 0xf4 ? cont(1, 0x80, 0x8f) : cont(1);
    return ok1 && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/** The escaped form of a name's bytes. */
export function escapeName(bytes: Uint8Array): string {
  if (!bytes.includes(BACKSLASH) && isUtf8(bytes)) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let out = '';
  let runStart = 0;
  const flush = (end: number): void => {
    if (end > runStart) out += buf.toString('utf8', runStart, end);
  };
  for (let i = 0; i < buf.length;) {
    const c = buf[i]!;
    if (c === BACKSLASH) {
      flush(i);
      out += '\\\\';
      runStart = ++i;
      continue;
    }
    const n = sequenceLength(buf, i);
    if (n === 0) {
      flush(i);
      out += `\\x${HEX[c >> 4]}${HEX[c & 15]}`;
      runStart = ++i;
      continue;
    }
    i += n;
  }
  flush(buf.length);
  return out;
}

/** A string that is not the canonical escaped form of any name. */
export class NameEscapeError extends Error {
  constructor(readonly escaped: string, why: string) {
    super(`${JSON.stringify(escaped)} is not an escaped name: ${why}`);
    this.name = 'NameEscapeError';
  }
}

/** The bytes of an escaped name; throws NameEscapeError for anything but the canonical form. */
export function unescapeName(s: string): Buffer {
  if (!s.includes('\\')) {
    if (!isWellFormed(s)) throw new NameEscapeError(s, 'lone surrogate');
    return Buffer.from(s, 'utf8');
  }
  const parts: Buffer[] = [];
  let runStart = 0;
  for (let i = 0; i < s.length;) {
    if (s[i] !== '\\') { i++; continue; }
    if (i > runStart) parts.push(Buffer.from(s.slice(runStart, i), 'utf8'));
    if (s[i + 1] === '\\') {
      parts.push(Buffer.of(BACKSLASH));
      i += 2;
    } else if (s[i + 1] === 'x' && /^[0-9a-f]{2}$/.test(s.slice(i + 2, i + 4))) {
      parts.push(Buffer.of(parseInt(s.slice(i + 2, i + 4), 16)));
      i += 4;
    } else {
      throw new NameEscapeError(s, `"\\" at ${i} is neither "\\\\" nor "\\x" and two lowercase hex digits`);
    }
    runStart = i;
  }
  if (runStart < s.length) parts.push(Buffer.from(s.slice(runStart), 'utf8'));
  const bytes = Buffer.concat(parts);
  if (!isWellFormed(s) || escapeName(bytes) !== s) throw new NameEscapeError(s, 'not the canonical spelling (valid UTF-8 is never written as \\x escapes)');
  return bytes;
}

/** The bytes of a name in escaped form (the common case, no backslash, costs one UTF-8 encode). */
export function nameBytes(escaped: string): Buffer {
  return escaped.includes('\\') ? unescapeName(escaped) : Buffer.from(escaped, 'utf8');
}

/**
 * Strings whose code-unit order (`<`) is the byte order of the names they stand for:
 * no backslash (escapes) and nothing from U+D800 up (surrogate pairs order below
 * U+E000..U+FFFF in UTF-16 but above them in UTF-8).
 */
const CODE_UNIT_ORDERED = /^[^\\\ud800-\uffff]*$/;

/** Names order by their bytes, so the order never depends on locale or JS string internals. */
export function compareNames(a: string, b: string): number {
  if (CODE_UNIT_ORDERED.test(a) && CODE_UNIT_ORDERED.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(nameBytes(a), nameBytes(b));
}

/**
 * A name read from the file system with `encoding: 'latin1'` (one char per byte, so
 * bytes survive exactly and `<` on such strings is byte order) in escaped form.
 */
export function escapeLatin1(name: string): string {
  // Printable ASCII but the backslash: the same in every form.
  if (/^[\x20-\x5b\x5d-\x7e]*$/.test(name)) return name;
  return escapeName(Buffer.from(name, 'latin1'));
}
