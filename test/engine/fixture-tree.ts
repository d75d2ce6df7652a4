/**
 * Seeded source trees for the engine's process-level tests, and a description of a
 * tree (type, mode, size, content hash, link target per path) to compare a restore
 * with its source byte for byte.
 */
import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SeededRandom } from '../../src/storage/testing/index.js';

export interface TreeShape {
  /** Small files, 0 B to `smallMax`, spread over nested directories. */
  readonly smallFiles: number;
  /** @default 16384 */
  readonly smallMax?: number;
  /** Sizes of larger files (several chunks each). */
  readonly bigFiles: readonly number[];
}

/** Writes a seeded tree: nested dirs, small and big random files, an empty file, a symlink, an odd name. */
export async function makeTree(dir: string, rng: SeededRandom, shape: TreeShape): Promise<string[]> {
  const files: string[] = [];
  await mkdir(join(dir, 'deep/a/b/c'), { recursive: true });
  for (let i = 0; i < shape.smallFiles; i++) {
    const sub = join(`d${i % 17}`, `e${i % 5}`);
    if (i < 17 * 5) await mkdir(join(dir, sub), { recursive: true });
    const rel = join(sub, `f${i}.bin`);
    await writeFile(join(dir, rel), rng.bytes(rng.int((shape.smallMax ?? 16384) + 1)));
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

/** Replaces the content of about `fraction` of `files` with fresh random bytes of the same size scale. */
export async function rewriteSome(dir: string, files: readonly string[], rng: SeededRandom, fraction: number): Promise<number> {
  let bytes = 0;
  for (const rel of files) {
    if (rng.int(1_000_000) >= fraction * 1_000_000) continue;
    const size = (await lstat(join(dir, rel))).size;
    await writeFile(join(dir, rel), rng.bytes(size));
    bytes += size;
  }
  return bytes;
}

export type TreeDescription = Record<string, string>;

/** One line per path: type, permission bits, and size + SHA-256 (files) or target (symlinks). */
export async function describeTree(dir: string, rel = '', out: TreeDescription = {}): Promise<TreeDescription> {
  for (const name of (await readdir(join(dir, rel))).sort()) {
    const r = rel ? `${rel}/${name}` : name;
    const abs = join(dir, r);
    const st = await lstat(abs);
    const mode = (st.mode & 0o7777).toString(8);
    if (st.isDirectory()) {
      out[r] = `dir ${mode}`;
      await describeTree(dir, r, out);
    } else if (st.isSymbolicLink()) {
      out[r] = `symlink -> ${await readlink(abs)}`;
    } else if (st.isFile()) {
      out[r] = `file ${mode} ${st.size} ${createHash('sha256').update(await readFile(abs)).digest('hex')}`;
    } else {
      out[r] = 'other';
    }
  }
  return out;
}
