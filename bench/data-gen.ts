/**
 * The engine benchmark's data set: a seeded, reproducible directory tree of about
 * `sizeMiB`, shaped like a file server volume rather than like a best case.
 *
 *  share          of bytes  what
 *  small files    30 %      1 KiB–64 KiB, ~60 % text-like, in 2-level directories
 *                           (100 files per directory): the per-file cost
 *  large text     25 %      4–64 MiB of log-like text (compresses about 3–4x)
 *  large random   25 %      4–64 MiB of AES-CTR bytes (incompressible)
 *  duplicates     20 %      copies of earlier small and large files under dup/
 *                           (what dedup must store once)
 *
 * `mutate` then changes about `fraction` of the bytes the way a week of use does:
 * rewrites a range inside some large files, rewrites some small files, appends to
 * logs, adds new files and deletes a few.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { appendFile, mkdir, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
/** The tests' seeded PRNG (mulberry32): the same seed gives the same tree on every machine. */
import { SeededRandom } from '../src/testing/seeded-random.js';

const MiB = 1024 * 1024;

/** Incompressible bytes from AES-256-CTR keyed by (seed, stream): fast and reproducible. */
export function randomBytesSeeded(seed: number, stream: string, length: number): Buffer {
  const key = createHash('sha256').update(`bench:${seed}:${stream}`).digest();
  const c = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return c.update(Buffer.alloc(length));
}

const WORDS = ('the of and to in is was for on that with as by at from this be are or it an which ' +
  'backup restore volume snapshot bucket error warning info debug request response latency bytes files ' +
  'user admin server client agent policy retention daily weekly monthly job task status completed failed ' +
  'pending progress index pack tree blob chunk key lock check repository storage object region endpoint ' +
  'timeout retry connection session token account network disk memory thread process kernel module').split(' ');

/** Log-like text: timestamps, levels, and words; compresses like real logs (about 3–4x with zstd). */
export function textBytes(rng: SeededRandom, length: number): Buffer {
  const out = Buffer.allocUnsafe(length + 256);
  let n = 0;
  let t = 1_700_000_000_000 + rng.int(0, 1e9);
  const levels = ['INFO', 'WARN', 'DEBUG', 'ERROR'];
  while (n < length) {
    t += rng.int(1, 5000);
    n += out.write(`${new Date(t).toISOString()} ${rng.pick(levels)} [${rng.pick(WORDS)}-${rng.int(1, 64)}] `, n, 'latin1');
    const words = rng.int(6, 18);
    for (let i = 0; i < words && n < length + 200; i++) {
      n += out.write(rng.next() < 0.15 ? `${rng.int(0, 99999)} ` : `${rng.pick(WORDS)} `, n, 'latin1');
    }
    out[n++] = 10;
  }
  return out.subarray(0, length);
}

export interface DataSetSummary { readonly dir: string; readonly files: number; readonly bytes: number; readonly seed: number }

interface Made { rel: string; size: number }

async function writeBig(path: string, size: number, gen: (len: number, part: number) => Buffer): Promise<void> {
  const fh = await open(path, 'w');
  try {
    for (let off = 0, part = 0; off < size; off += 4 * MiB, part++) await fh.write(gen(Math.min(4 * MiB, size - off), part));
  } finally {
    await fh.close();
  }
}

/** Writes the data set into `dir` (created; must not exist or be empty). */
export async function generateDataSet(dir: string, sizeMiB: number, seed: number): Promise<DataSetSummary> {
  const rng = new SeededRandom(seed);
  const total = sizeMiB * MiB;
  let files = 0;
  let bytes = 0;
  const small: Made[] = [];
  const large: Made[] = [];
  await mkdir(dir, { recursive: true });

  // Small files.
  let smallBytes = 0;
  for (let i = 0; smallBytes < total * 0.30; i++) {
    const d = join('small', `d${String(Math.floor(i / 1000)).padStart(3, '0')}`, `e${String(Math.floor(i / 100) % 10)}`);
    if (i % 100 === 0) await mkdir(join(dir, d), { recursive: true });
    const size = Math.min(rng.int(1024, 64 * 1024), Math.max(0, Math.round(total * 0.30 - smallBytes)) || 1024);
    const text = rng.next() < 0.6;
    const rel = join(d, `f${i}.${text ? 'txt' : 'bin'}`);
    await writeFile(join(dir, rel), text ? textBytes(rng, size) : randomBytesSeeded(seed, rel, size));
    small.push({ rel, size });
    smallBytes += size;
  }

  // Large files, alternating text and random, until each half has its share.
  await mkdir(join(dir, 'large'), { recursive: true });
  const maxLarge = Math.max(4, Math.min(64, Math.floor(sizeMiB / 8)));
  for (const kind of ['text', 'random'] as const) {
    let made = 0;
    for (let i = 0; made < total * 0.25; i++) {
      const size = Math.min(rng.int(4, maxLarge) * MiB + rng.int(0, MiB), Math.ceil(total * 0.25 - made) + MiB);
      const rel = join('large', `${kind}-${i}.${kind === 'text' ? 'log' : 'bin'}`);
      await writeBig(join(dir, rel), size, (len, part) => (kind === 'text' ? textBytes(rng, len) : randomBytesSeeded(seed, `${rel}:${part}`, len)));
      large.push({ rel, size });
      made += size;
    }
  }

  // Duplicates: whole copies under dup/, small and large.
  await mkdir(join(dir, 'dup'), { recursive: true });
  let dupBytes = 0;
  const copies = [...large.filter((_, i) => i % 3 === 0), ...small.filter((_, i) => i % 7 === 0)];
  for (const m of copies) {
    if (dupBytes >= total * 0.20) break;
    const to = join(dir, 'dup', m.rel.replaceAll('/', '_'));
    await writeFile(to, await readFile(join(dir, m.rel)));
    dupBytes += m.size;
  }

  for await (const f of walk(dir)) { files++; bytes += f.size; }
  return { dir, files, bytes, seed };
}

/** Every regular file under `dir` with its size (relative paths). */
export async function* walk(dir: string, rel = ''): AsyncGenerator<Made> {
  for (const e of await readdir(join(dir, rel), { withFileTypes: true })) {
    const r = join(rel, e.name);
    if (e.isDirectory()) yield* walk(dir, r);
    else if (e.isFile()) yield { rel: r, size: (await stat(join(dir, r))).size };
  }
}

export interface MutationSummary { readonly bytesChanged: number; readonly filesChanged: number; readonly filesAdded: number; readonly filesDeleted: number }

/** Changes about `fraction` of the data set's bytes (see the file comment); seeded. */
export async function mutateDataSet(dir: string, fraction: number, seed: number): Promise<MutationSummary> {
  const rng = new SeededRandom(seed ^ 0x5eed);
  const all: Made[] = [];
  for await (const f of walk(dir)) all.push(f);
  const totalBytes = all.reduce((a, f) => a + f.size, 0);
  const budget = totalBytes * fraction;
  let changed = 0;
  let filesChanged = 0;
  let filesAdded = 0;
  let filesDeleted = 0;
  const large = all.filter((f) => f.size >= 4 * MiB);
  const small = all.filter((f) => f.size < 4 * MiB);

  // 40 %: a contiguous range rewritten inside large files (a database page, an edited image).
  while (changed < budget * 0.4 && large.length > 0) {
    const f = large.splice(rng.int(0, large.length - 1), 1)[0]!;
    const len = Math.max(64 * 1024, Math.min(f.size, rng.int(1, 8) * MiB, Math.ceil(budget * 0.4 - changed)));
    const at = rng.int(0, f.size - len);
    const fh = await open(join(dir, f.rel), 'r+');
    try { await fh.write(randomBytesSeeded(seed, `mut:${f.rel}`, len), 0, len, at); } finally { await fh.close(); }
    changed += len;
    filesChanged++;
  }
  // 20 %: small files rewritten whole.
  while (changed < budget * 0.6 && small.length > 0) {
    const f = small.splice(rng.int(0, small.length - 1), 1)[0]!;
    await writeFile(join(dir, f.rel), textBytes(rng, f.size));
    changed += f.size;
    filesChanged++;
  }
  // 10 %: logs grow.
  const logs = all.filter((f) => f.rel.endsWith('.log'));
  for (let i = 0; changed < budget * 0.7 && logs.length > 0; i++) {
    const f = logs[i % logs.length]!;
    const add = Math.min(MiB, Math.ceil(budget * 0.7 - changed));
    await appendFile(join(dir, f.rel), textBytes(rng, add));
    changed += add;
    filesChanged++;
  }
  // 30 %: new files in a new directory.
  await mkdir(join(dir, 'new'), { recursive: true });
  for (let i = 0; changed < budget; i++) {
    const size = i % 10 === 9 ? rng.int(1, 4) * MiB : rng.int(1024, 64 * 1024);
    const rel = join('new', `n${i}.${i % 2 ? 'txt' : 'bin'}`);
    await writeFile(join(dir, rel), i % 2 ? textBytes(rng, size) : randomBytesSeeded(seed, rel, size));
    changed += size;
    filesAdded++;
  }
  // And a few deletions.
  for (let i = 0; i < 20 && small.length > 0; i++) {
    const f = small.splice(rng.int(0, small.length - 1), 1)[0]!;
    await rm(join(dir, f.rel));
    filesDeleted++;
  }
  return { bytesChanged: changed, filesChanged, filesAdded, filesDeleted };
}
