/**
 * Test trees: the builders the engine, CLI and end-to-end tests write their sources with,
 * and the one description of a tree that says what a restore must reproduce, so no two
 * suites can disagree on it.
 *  variedTree  odd names, deep chains, empty / small / big files, symlinks, hard links, odd modes
 *  bulkTree    many small files over nested directories and a few big ones (returns the files)
 *  smallTree   a small tree with set modes and mtimes, for end-to-end runs of the service
 */
import { createHash } from 'node:crypto';
import { chmod, link, lstat, mkdir, readdir, readFile, readlink, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { escapeName } from '../repo/tree/index.js';
import { SeededRandom } from './seeded-random.js';

const ODD_NAMES = ['é', 'ünïcödé-名前', 'space name', 'tab\tname', 'new\nline', '-dash', '#hash', 'x'.repeat(200), '🙂emoji', "quote'\"", 'back\\slash', '.hidden', '..dots', 'a:b'];

export interface VariedTreeOptions {
  /** Number of small files spread over the tree. @default 200 */
  readonly smallFiles?: number;
  /** Sizes of large files (> chunk sizes) to include. @default [9 MiB] */
  readonly bigFiles?: readonly number[];
  /** Depth of the deepest directory chain. @default 12 */
  readonly depth?: number;
}

/** A varied tree: empty, small, big files; deep and odd-named dirs; symlinks; hard links; odd modes. */
export async function variedTree(root: string, rng: SeededRandom, o: VariedTreeOptions = {}): Promise<void> {
  const dirs = [root];
  await mkdir(root, { recursive: true });
  let deep = root;
  for (let i = 0; i < (o.depth ?? 12); i++) {
    deep = join(deep, `d${i}`);
    await mkdir(deep);
    dirs.push(deep);
  }
  for (const n of ODD_NAMES) {
    const d = join(rng.pick(dirs), n);
    await mkdir(d).catch(() => undefined);
    dirs.push(d);
  }
  await writeFile(join(root, 'empty'), '');
  for (let i = 0; i < (o.smallFiles ?? 200); i++) {
    const size = rng.pick([0, 1, 100, 4096, rng.int(1, 70000)]);
    await writeFile(join(rng.pick(dirs), `f${i}-${rng.pick(ODD_NAMES)}`), rng.bytes(size));
  }
  for (const [i, size] of (o.bigFiles ?? [9 * 1024 * 1024 + 17]).entries()) {
    // Half random, half repetitive, so compression and dedup both get exercised.
    const b = Buffer.concat([rng.bytes(size >>> 1), Buffer.alloc(size - (size >>> 1), 'abc')]);
    await writeFile(join(rng.pick(dirs), `big${i}`), b);
  }
  await writeFile(join(root, 'target-file'), 'linked');
  await symlink('target-file', join(root, 'link-rel'));
  await symlink('/nonexistent/dangling', join(root, 'link-dangling'));
  await symlink('d0/d1', join(root, 'link-dir'));
  await writeFile(join(root, 'hl-a'), rng.bytes(5000));
  await link(join(root, 'hl-a'), join(dirs[3]!, 'hl-b'));
  await link(join(root, 'hl-a'), join(root, 'hl-c'));
  const modes = [0o600, 0o755, 0o400, 0o4755, 0o2750, 0o000, 0o777];
  for (const [i, m] of modes.entries()) {
    const p = join(root, `mode-${m.toString(8)}-${i}`);
    await writeFile(p, `mode ${m}`);
    await chmod(p, m);
  }
  const sticky = join(root, 'sticky-dir');
  await mkdir(sticky);
  await writeFile(join(sticky, 'inside'), 'x');
  await chmod(sticky, 0o1777);
  const ro = join(root, 'readonly-dir');
  await mkdir(ro);
  await writeFile(join(ro, 'inside'), 'y');
  await chmod(ro, 0o555);
}

export interface BulkTreeShape {
  /** Small files, 0 B to `smallMax`, spread over nested directories. */
  readonly smallFiles: number;
  /** @default 16384 */
  readonly smallMax?: number;
  /** Sizes of larger files (several chunks each). */
  readonly bigFiles: readonly number[];
}

/** Nested dirs, small and big random files, an empty file, a symlink, an odd name; returns the files written (relative). */
export async function bulkTree(dir: string, rng: SeededRandom, shape: BulkTreeShape): Promise<string[]> {
  const files: string[] = [];
  await mkdir(join(dir, 'deep/a/b/c'), { recursive: true });
  for (let i = 0; i < shape.smallFiles; i++) {
    const sub = join(`d${i % 17}`, `e${i % 5}`);
    if (i < 17 * 5) await mkdir(join(dir, sub), { recursive: true });
    const rel = join(sub, `f${i}.bin`);
    await writeFile(join(dir, rel), rng.bytes(rng.below((shape.smallMax ?? 16384) + 1)));
    files.push(rel);
  }
  for (let i = 0; i < shape.bigFiles.length; i++) {
    const rel = join('big', `b${i}.bin`);
    await mkdir(join(dir, 'big'), { recursive: true });
    await writeFile(join(dir, rel), rng.bytes(shape.bigFiles[i]!));
    files.push(rel);
  }
  await writeFile(join(dir, 'deep/a/b/c/empty'), '');
  await writeFile(join(dir, 'deep/a/b/c/ünïcödé name.txt'), 'odd names survive\n');
  await symlink('../../../../d0/e0', join(dir, 'deep/a/b/c/link-to-d0'));
  files.push('deep/a/b/c/empty', 'deep/a/b/c/ünïcödé name.txt');
  return files;
}

/** Replaces the content of about `fraction` of `files` with fresh random bytes of the same size. Returns the bytes rewritten. */
export async function rewriteSome(dir: string, files: readonly string[], rng: SeededRandom, fraction: number): Promise<number> {
  let bytes = 0;
  for (const rel of files) {
    if (rng.below(1_000_000) >= fraction * 1_000_000) continue;
    const size = (await lstat(join(dir, rel))).size;
    await writeFile(join(dir, rel), rng.bytes(size));
    bytes += size;
  }
  return bytes;
}

/** A small tree: nested dirs, files of assorted sizes (some empty, one > 1 MiB), a symlink, set mtimes and modes. */
export async function smallTree(root: string, seed: number, o: { files?: number; bigBytes?: number } = {}): Promise<void> {
  const rand = new SeededRandom(seed);
  const r = (): number => rand.next();
  await mkdir(join(root, 'docs', 'deep', 'er'), { recursive: true });
  await mkdir(join(root, 'empty-dir'), { recursive: true });
  const n = o.files ?? 12;
  for (let i = 0; i < n; i++) {
    const dir = ['', 'docs', 'docs/deep', 'docs/deep/er'][Math.floor(r() * 4)]!;
    const size = i === 0 ? 0 : Math.floor(r() * 20_000);
    const buf = Buffer.alloc(size);
    for (let k = 0; k < size; k++) buf[k] = Math.floor(r() * 256);
    const p = join(root, dir, `f${i}.bin`);
    await writeFile(p, buf, { mode: i % 3 === 0 ? 0o600 : 0o644 });
    const t = 1_600_000_000 + Math.floor(r() * 100_000_000);
    await utimes(p, t, t);
  }
  const big = Buffer.alloc(o.bigBytes ?? 1_500_000);
  for (let k = 0; k < big.length; k += 4096) big[k] = Math.floor(r() * 256);
  await writeFile(join(root, 'docs', 'big.bin'), big);
  await symlink('f1.bin', join(root, 'docs', 'link-to-f1'));
}

/** What a restore promises to reproduce of one path. */
export interface TreeEntry {
  type: 'dir' | 'file' | 'symlink' | 'fifo' | 'socket' | 'char' | 'block' | 'other';
  mode: number;
  uid: number;
  gid: number;
  /** Milliseconds. */
  mtimeMs: number;
  size: number;
  /** SHA-256 of a file's bytes. */
  content?: string;
  /** A symlink's target, in the escaped form (bytes kept exactly). */
  target?: string;
  /** A device node's device number. */
  rdev?: number;
}

/**
 * Every path under `root` (relative, '/'-separated, names byte for byte in the engine's
 * escaped form) with what a restore reproduces; `ino` only to compare hard-link groups.
 * `skip` leaves out paths (and what is below them).
 */
export async function describeTree(root: string, skip: (rel: string) => boolean = () => false): Promise<Map<string, TreeEntry & { ino: number }>> {
  const out = new Map<string, TreeEntry & { ino: number }>();
  const walk = async (dir: Buffer, rel: string): Promise<void> => {
    const names = (await readdir(dir, { encoding: 'buffer' })).sort(Buffer.compare);
    for (const name of names) {
      const p = Buffer.concat([dir, Buffer.from('/'), name]);
      const r = rel ? `${rel}/${escapeName(name)}` : escapeName(name);
      if (skip(r)) continue;
      const st = await lstat(p);
      const type: TreeEntry['type'] = st.isDirectory() ? 'dir' : st.isFile() ? 'file' : st.isSymbolicLink() ? 'symlink' : st.isFIFO() ? 'fifo'
        : st.isSocket() ? 'socket' : st.isCharacterDevice() ? 'char' : st.isBlockDevice() ? 'block' : 'other';
      const e: TreeEntry & { ino: number } = {
        type, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtimeMs: Math.floor(st.mtimeMs), size: st.isFile() ? st.size : 0, ino: st.ino,
      };
      if (st.isFile()) e.content = createHash('sha256').update(await readFile(p)).digest('hex');
      if (st.isSymbolicLink()) e.target = escapeName(await readlink(p, { encoding: 'buffer' }));
      if (type === 'char' || type === 'block') e.rdev = st.rdev;
      out.set(r, e);
      if (st.isDirectory()) await walk(p, r);
    }
  };
  await walk(Buffer.from(root), '');
  return out;
}

/** describeTree without inode numbers: two trees that a restore made equal are deepEqual. */
export async function comparableTree(root: string): Promise<Map<string, TreeEntry>> {
  const out = new Map<string, TreeEntry>();
  for (const [k, { ino: _ino, ...e }] of await describeTree(root)) out.set(k, e);
  return out;
}

/** Differences between two described trees (empty when equal). Inode numbers are compared as hard-link groups. */
export function diffTrees(a: Map<string, TreeEntry & { ino: number }>, b: Map<string, TreeEntry & { ino: number }>): string[] {
  const d: string[] = [];
  for (const [k, ea] of a) {
    const eb = b.get(k);
    if (!eb) { d.push(`missing ${k}`); continue; }
    for (const f of ['type', 'mode', 'uid', 'gid', 'size', 'content', 'target', 'rdev'] as const) {
      if (ea[f] !== eb[f]) d.push(`${k}: ${f} ${String(ea[f])} != ${String(eb[f])}`);
    }
    if (ea.mtimeMs !== eb.mtimeMs) d.push(`${k}: mtime ${ea.mtimeMs} != ${eb.mtimeMs}`);
  }
  for (const k of b.keys()) if (!a.has(k)) d.push(`extra ${k}`);
  const groups = new Map<number, string[]>();
  for (const [k, e] of a) if (e.type === 'file') groups.set(e.ino, [...(groups.get(e.ino) ?? []), k]);
  for (const g of groups.values()) {
    if (g.length < 2) continue;
    const inos = new Set(g.map((k) => b.get(k)?.ino));
    if (inos.size !== 1) d.push(`hard links ${g.join(', ')} not linked after restore`);
  }
  return d;
}
