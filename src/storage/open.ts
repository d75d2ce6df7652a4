import { isAbsolute, normalize } from 'node:path';
import { StorageError, type Backend } from './backend.js';
import { LocalBackend } from './local/local-backend.js';
import type { S3Options } from './s3/s3-options.js';
import { RetryBackend, type RetryOptions } from './wrap/retry-backend.js';

/**
 * local  a directory: `local:/srv/backups` or just `/srv/backups`
 * s3     `s3:https://host:port/bucket[/prefix]`, `s3:http://…`, or `s3:bucket[/prefix]` for AWS;
 *        `endpoint` is undefined for AWS, `prefix` is '' or has no leading or trailing '/'
 */
export type Location =
  | { readonly kind: 'local'; readonly path: string }
  | { readonly kind: 's3'; readonly endpoint: string | undefined; readonly bucket: string; readonly prefix: string };

const BUCKET_RE = /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/;
const SEGMENT_RE = /^[A-Za-z0-9._-]+$/;
const SYNTAX = 'expected local:/absolute/path, /absolute/path, s3:https://host[:port]/bucket[/prefix] or s3:bucket[/prefix]';

function bad(loc: string, why: string): StorageError {
  const shown = loc.replace(/\/\/[^/@]*@/, '//***@');
  return new StorageError('permanent', `invalid storage location ${JSON.stringify(shown)}: ${why}; ${SYNTAX}`);
}

export function parseLocation(loc: string): Location {
  const s = loc.trim();
  if (s.startsWith('/')) return local(loc, s);
  if (s.startsWith('local:')) return local(loc, s.slice('local:'.length));
  if (s.startsWith('s3:')) return s3(loc, s.slice('s3:'.length));
  throw bad(loc, 'unknown kind');
}

function local(loc: string, path: string): Location {
  if (!isAbsolute(path)) throw bad(loc, 'the path must be absolute');
  const norm = normalize(path);
  return { kind: 'local', path: norm.length > 1 ? norm.replace(/\/+$/, '') : norm };
}

function s3(loc: string, rest: string): Location {
  let endpoint: string | undefined;
  let path = rest;
  if (/^https?:\/\//i.test(rest)) {
    let url: URL;
    try { url = new URL(rest); } catch (e) { throw Object.assign(bad(loc, 'the endpoint is not a URL'), { cause: e }); }
    // Userinfo would put a secret into logs and job records, which print locations.
    if (url.username !== '' || url.password !== '') throw bad(loc, 'credentials do not belong in the location; pass them as options');
    if (url.search !== '' || url.hash !== '') throw bad(loc, 'no query or fragment allowed');
    endpoint = `${url.protocol}//${url.host}`;
    path = url.pathname;
  }
  const segs = path.replace(/^\/+|\/+$/g, '').split('/');
  const bucket = segs[0] ?? '';
  if (!BUCKET_RE.test(bucket) || bucket.includes('..')) {
    throw bad(loc, bucket === '' ? 'the bucket is missing' : `bad bucket name ${JSON.stringify(bucket)} (3-63 characters a-z 0-9 . - _)`);
  }
  const prefixSegs = segs.slice(1);
  if (prefixSegs.some((p) => !SEGMENT_RE.test(p) || p === '.' || p === '..')) {
    throw bad(loc, 'the prefix may hold only A-Z a-z 0-9 . _ - separated by single slashes');
  }
  return { kind: 's3', endpoint, bucket, prefix: prefixSegs.join('/') };
}

export interface OpenOptions extends S3Options {
  /** Wrap the backend in RetryBackend with these options; false for none. @default {} */
  retry?: RetryOptions | false;
  /** S3: create the bucket when it is missing. @default false */
  createBucket?: boolean;
  /** Local: fsync objects and directories. @default true */
  fsync?: boolean;
}

/** Builds the backend a location names; the endpoint in an s3 location wins over `opts.endpoint`. */
export async function openBackend(location: string, opts: OpenOptions = {}): Promise<Backend> {
  const loc = parseLocation(location);
  let backend: Backend;
  switch (loc.kind) {
    case 'local':
      backend = new LocalBackend(loc.path, opts.fsync === undefined ? {} : { fsync: opts.fsync });
      break;
    case 's3': {
      const { retry: _r, createBucket: _c, fsync: _f, ...s3opts } = opts;
      // Loaded on demand: the AWS SDK takes most of a second to import, which every
      // command on a local repository would otherwise pay.
      const { S3Backend } = await import('./s3/s3-backend.js');
      const s3b = new S3Backend({ ...s3opts, endpoint: loc.endpoint ?? opts.endpoint, bucket: loc.bucket, prefix: loc.prefix });
      if (opts.createBucket === true) {
        try { await s3b.ensureBucket(); } catch (e) { await s3b.close(); throw e; }
      }
      backend = s3b;
      break;
    }
    default: {
      const never: never = loc;
      throw new StorageError('permanent', `unknown location kind ${JSON.stringify(never)}`);
    }
  }
  return opts.retry === false ? backend : new RetryBackend(backend, opts.retry ?? {});
}
