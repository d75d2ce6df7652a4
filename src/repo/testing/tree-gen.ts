import { chmod, link, lstat, mkdir, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { escapeName } from '../tree/index.js';
import type { Rng } from './random.js';

const ODD_NAMES = ['é', 'ünïcödé-名前', 'space name', 'tab\tname', 'new\nline', '-dash', '#hash', 'x'.repeat(200), '🙂emoji', "quote'\"", 'back\\slash', '.hidden', '..dots', 'a:b'];

export interface GenOptions {
  /** Number of small files spread over the tree. @default 200 */
  readonly smallFiles?: number;
  /** Sizes of large files (> chunk sizes) to include. @default [9 MiB] */
  readonly bigFiles?: readonly number[];
  /** Depth of the deepest directory chain. @default 12 */
  readonly depth?: number;
}

/** Builds a varied tree: empty, small, big files; deep and odd-named dirs; symlinks; hard links; odd modes. */
export async function generateTree(root: string, rng: Rng, o: GenOptions = {}): Promise<void> {
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

export interface Entry { type: string; mode: number; uid: number; gid: number; mtimeMs: number; size: number; content?: string; target?: string; rdev?: number; ino: number }

/**
 * Everything restore promises to reproduce, keyed by relative path (names byte for
 * byte, in escaped form). mtime is compared to the millisecond. Types: dir, file,
 * symlink, fifo, socket, char, block.
 */
export async function describeTree(root: string, skip: (rel: string) => boolean = () => false): Promise<Map<string, Entry>> {
  const { createHash } = await import('node:crypto');
  const out = new Map<string, Entry>();
  const walk = async (dir: Buffer, rel: string): Promise<void> => {
    const names = (await readdir(dir, { encoding: 'buffer' })).sort(Buffer.compare);
    for (const name of names) {
      const p = Buffer.concat([dir, Buffer.from('/'), name]);
      const r = rel ? `${rel}/${escapeName(name)}` : escapeName(name);
      if (skip(r)) continue;
      const st = await lstat(p);
      const type = st.isDirectory() ? 'dir' : st.isFile() ? 'file' : st.isSymbolicLink() ? 'symlink' : st.isFIFO() ? 'fifo'
        : st.isSocket() ? 'socket' : st.isCharacterDevice() ? 'char' : st.isBlockDevice() ? 'block' : 'other';
      const e: Entry = { type, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtimeMs: Math.floor(st.mtimeMs), size: st.isFile() ? st.size : 0, ino: st.ino };
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

/** Differences between two described trees (empty when equal). Inode numbers are compared as link groups. */
export function diffTrees(a: Map<string, Entry>, b: Map<string, Entry>): string[] {
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
  // Hard-link groups: paths sharing an inode in a must share one in b.
  const groups = new Map<number, string[]>();
  for (const [k, e] of a) if (e.type === 'file') groups.set(e.ino, [...(groups.get(e.ino) ?? []), k]);
  for (const g of groups.values()) {
    if (g.length < 2) continue;
    const inos = new Set(g.map((k) => b.get(k)?.ino));
    if (inos.size !== 1) d.push(`hard links ${g.join(', ')} not linked after restore`);
  }
  return d;
}
