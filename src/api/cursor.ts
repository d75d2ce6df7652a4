import { CbsError } from '../errors/index.js';

/**
 * The `cursor` of `GET …/v1/job` is an opaque keyset position: the (time, id) of the
 * last job of the previous page, base64url-encoded. Anything else is INVALID_CURSOR.
 */
export interface JobCursor { time: number; id: string }

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(c: JobCursor): string {
  return Buffer.from(`v1:${c.time}:${c.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(s: string): JobCursor {
  const bad = () => new CbsError('INVALID_CURSOR', 'query parameter "cursor" is not a cursor returned by this server', { details: { field: 'cursor' } });
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(s)) throw bad();
  const m = /^v1:(\d{1,16}):(.+)$/.exec(Buffer.from(s, 'base64url').toString('utf8'));
  if (!m || !UUID_RE.test(m[2]!)) throw bad();
  const time = Number(m[1]);
  if (!Number.isSafeInteger(time)) throw bad();
  return { time, id: m[2]! };
}

/**
 * The `cursor` of a live browse: the name of the last entry of the previous page,
 * base64url-encoded. Anything else is INVALID_CURSOR.
 */
export function encodeNameCursor(name: string): string {
  return Buffer.from(`n1:${name}`, 'utf8').toString('base64url');
}

export function decodeNameCursor(s: string): string {
  const text = /^[A-Za-z0-9_-]{1,1400}$/.test(s) ? Buffer.from(s, 'base64url').toString('utf8') : '';
  if (!text.startsWith('n1:') || text.length < 4 || text.length > 1027) {
    throw new CbsError('INVALID_CURSOR', 'query parameter "cursor" is not a cursor returned by this server', { details: { field: 'cursor' } });
  }
  return text.slice(3);
}
