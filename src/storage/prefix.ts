import { StorageError } from './backend.js';

const SEGMENT_RE = /^[A-Za-z0-9._-]+$/;

/**
 * A list prefix is '' or a key, possibly cut short mid-segment or ending in '/'
 * (`data/`, `data/a`, `snapshots/`). Anything else could never match a valid key, or
 * could climb out of a backend's root, so it is rejected as `invalid-key`.
 */
export function assertValidPrefix(prefix: string): void {
  if (prefix === '') return;
  const segs = prefix.split('/');
  const complete = segs.slice(0, -1);
  const last = segs[segs.length - 1] ?? '';
  const ok = complete.every((s) => SEGMENT_RE.test(s) && s !== '.' && s !== '..')
    && (last === '' || SEGMENT_RE.test(last));
  if (!ok) throw new StorageError('invalid-key', `invalid list prefix: ${JSON.stringify(prefix)}`);
}
