import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { assertValidKey, StorageError, type Backend, type ByteRange, type ObjectInfo } from '../backend.js';
import { assertValidPrefix } from '../prefix.js';
import { checkRange } from '../range.js';
import { errnoCode, mapFsError } from './fs-errors.js';

export interface LocalBackendOptions {
  /**
   * fsync each object and its directory before `put` resolves, so a power loss after
   * it cannot lose the object. Turning it off keeps whole-or-absent against a
   * crashed process (rename is still atomic) but not against a crashed machine.
   * @default true
   */
  fsync?: boolean;
}

/** Objects and the directories holding them are readable by the service's user only. */
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/** A segment of a stored name. Temp files carry '~', which no key may contain, so they are never listed. */
const SEGMENT_RE = /^[A-Za-z0-9._-]+$/;
const STAT_BATCH = 64;

/**
 * A directory as a bucket: key `a/b/c` is the file `<root>/a/b/c`. A put writes a temp
 * file beside the target, fsyncs it, renames it over the target and fsyncs the
 * directory, so an object is whole or absent whatever happens to the writer.
 * Directories are created on first write; the root need not exist beforehand.
 * A key cannot be both an object and a prefix of another object (`a` and `a/b`),
 * which the repository layout never does.
 * Backup data is private: objects are created 0600 and directories 0700 (the umask
 * can only narrow that).
 */
export class LocalBackend implements Backend {
  readonly location: string;
  readonly root: string;
  private readonly fsync: boolean;
  private closed = false;

  constructor(root: string, opts: LocalBackendOptions = {}) {
    this.root = resolve(root);
    this.location = `local:${this.root}`;
    this.fsync = opts.fsync ?? true;
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const path = this.pathOf(key);
    const dir = dirname(path);
    const tmp = join(dir, `~${randomBytes(8).toString('hex')}.tmp`);
    let fh: FileHandle;
    try {
      fh = await this.createTemp(tmp, dir);
    } catch (e) {
      throw mapFsError(e, `put ${key}: create temp file`, key, false);
    }
    try {
      try {
        await fh.writeFile(data);
        if (this.fsync) await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, path);
      if (this.fsync) await syncDir(dir);
    } catch (e) {
      const err = mapFsError(e, `put ${key}`, key, false);
      await unlink(tmp).catch((ue: unknown) => {
        // Leftover temp files are invisible to list(); say so rather than hide it.
        if (errnoCode(ue) !== 'ENOENT') err.message += ` (temp file ${tmp} left behind: ${errnoCode(ue) ?? String(ue)})`;
      });
      throw err;
    }
  }

  async get(key: string, range?: ByteRange): Promise<Buffer> {
    const path = this.pathOf(key);
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (e) {
      throw mapFsError(e, `get ${key}`, key, true);
    }
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw new StorageError('not-found', `object not found: ${key}`, { key });
      const r = range ?? { offset: 0, length: st.size };
      checkRange(r, st.size, key);
      return await readExactly(fh, r.offset, r.length, key);
    } catch (e) {
      throw mapFsError(e, `get ${key}`, key, true);
    } finally {
      await fh.close();
    }
  }

  async stat(key: string): Promise<ObjectInfo> {
    const path = this.pathOf(key);
    try {
      const st = await stat(path);
      if (!st.isFile()) throw new StorageError('not-found', `object not found: ${key}`, { key });
      return { key, size: st.size };
    } catch (e) {
      throw mapFsError(e, `stat ${key}`, key, true);
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    this.checkOpen();
    assertValidPrefix(prefix);
    const cut = prefix.lastIndexOf('/') + 1;
    const dirKey = prefix.slice(0, cut);
    const namePrefix = prefix.slice(cut);
    yield* this.walk(dirKey, namePrefix);
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    try {
      await unlink(path);
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw mapFsError(e, `delete ${key}`, key, false);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** `dirKey` is '' or ends in '/'; only names starting with `namePrefix` are taken at this level. */
  private async *walk(dirKey: string, namePrefix: string): AsyncGenerator<ObjectInfo> {
    const dir = join(this.root, ...dirKey.split('/').filter(Boolean));
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw mapFsError(e, `list ${dirKey || '/'}`, undefined, false);
    }
    const files: string[] = [];
    for (const ent of entries) {
      if (!ent.name.startsWith(namePrefix) || !SEGMENT_RE.test(ent.name) || ent.name === '.' || ent.name === '..') continue;
      if (ent.isDirectory()) yield* this.walk(`${dirKey}${ent.name}/`, '');
      else if (ent.isFile()) files.push(ent.name);
    }
    for (let i = 0; i < files.length; i += STAT_BATCH) {
      const batch = files.slice(i, i + STAT_BATCH);
      const infos = await Promise.all(batch.map(async (name) => {
        const key = dirKey + name;
        try {
          return { key, size: (await stat(join(dir, name))).size };
        } catch (e) {
          // Deleted between readdir and stat: it is simply no longer listed.
          if (errnoCode(e) === 'ENOENT') return undefined;
          throw mapFsError(e, `list stat ${key}`, key, false);
        }
      }));
      for (const info of infos) if (info !== undefined) yield info;
    }
  }

  private async createTemp(tmp: string, dir: string): Promise<FileHandle> {
    try {
      return await open(tmp, 'wx', FILE_MODE);
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw e;
    }
    const first = await mkdir(dir, { recursive: true, mode: DIR_MODE });
    if (this.fsync && first !== undefined) {
      // New directory entries are durable only once their parents are synced.
      for (let d = dir; ; d = dirname(d)) {
        await syncDir(dirname(d));
        if (d === first) break;
      }
    }
    return await open(tmp, 'wx', FILE_MODE);
  }

  private pathOf(key: string): string {
    this.checkOpen();
    assertValidKey(key);
    const path = join(this.root, ...key.split('/'));
    // assertValidKey already forbids '..'; this is the belt to its braces.
    const rel = relative(this.root, path);
    if (rel.startsWith('..') || rel.split(sep).includes('..')) {
      throw new StorageError('invalid-key', `key escapes the backend root: ${key}`, { key });
    }
    return path;
  }

  private checkOpen(): void {
    if (this.closed) throw new StorageError('permanent', `${this.location} is closed`);
  }
}

async function readExactly(fh: FileHandle, offset: number, length: number, key: string): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, offset + done);
    if (bytesRead === 0) {
      throw new StorageError('transient', `object ${key} shrank while being read (${done} of ${length} bytes)`, { key });
    }
    done += bytesRead;
  }
  return buf;
}

/** fsync of a directory: entries created, renamed or removed in it survive a power loss. */
export async function syncDir(dir: string): Promise<void> {
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}
