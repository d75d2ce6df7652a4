/**
 * Browsing a directory of a million entries (`npm run build && node dist/bench/browse-bench.js [N]`).
 *
 * Creates a directory of N empty files (default 1,000,000), backs it up into a fresh
 * local repository, then, each in a process of its own so peak RSS is the step's own:
 *  backup  wall time, peak RSS, tree blobs written (the directory is stored in chunks)
 *  browse  opens the repository, then times listDirPage (1,000 entries) at the start,
 *          the middle and the end of the directory, cold and again warm, and a listing
 *          of a subdirectory found inside it; peak RSS after opening and after the pages
 * Prints a JSON summary. BENCH_KEEP=1 keeps the temp directory.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backup, initRepository, listDirPage, openRepository } from '../src/repo/index.js';
import { LocalBackend } from '../src/storage/index.js';

const PASS = 'browse-bench';
const SCRYPT = { N: 1024, r: 8, p: 1 };
const rssMiB = (): number => Math.round(process.resourceUsage().maxRSS / 1024);
const name = (i: number): string => `f${String(i).padStart(7, '0')}`;

async function child(op: string, repoDir: string, src: string, n: number): Promise<unknown> {
  if (op === 'backup') {
    const repo = await initRepository(new LocalBackend(repoDir), { passphrase: PASS, scryptParams: SCRYPT });
    const t0 = performance.now();
    const r = await backup(repo, { sourceDir: src, scan: false });
    return { seconds: +((performance.now() - t0) / 1000).toFixed(1), peakRssMiB: rssMiB(), files: r.summary.totalFiles, treeBlobsAdded: r.summary.treeBlobsAdded, snapshot: r.snapshot.id };
  }
  const t0 = performance.now();
  const repo = await openRepository(new LocalBackend(repoDir), { passphrase: PASS });
  const openMs = +(performance.now() - t0).toFixed(1);
  const afterOpen = rssMiB();
  const pages: { offset: number; coldMs: number; warmMs: number; entries: number; total: number }[] = [];
  for (const offset of [0, Math.floor(n / 2), n - 1000]) {
    const a = performance.now();
    const p = await listDirPage(repo, 'latest', '/big', { offset, limit: 1000 });
    const b = performance.now();
    await listDirPage(repo, 'latest', '/big', { offset, limit: 1000 });
    const c = performance.now();
    if (p.entries[0]?.name !== name(offset) || p.total !== n + 1) throw new Error(`wrong page at ${offset}: ${p.entries[0]?.name}, total ${p.total}`);
    pages.push({ offset, coldMs: +(b - a).toFixed(1), warmMs: +(c - b).toFixed(1), entries: p.entries.length, total: p.total });
  }
  // A path through the big directory: finding `zzz-sub` in it loads one chunk.
  const l0 = performance.now();
  const sub = await listDirPage(repo, 'latest', '/big/zzz-sub', { limit: 10 });
  if (sub.total !== 1) throw new Error('zzz-sub not listed');
  const lookupMs = +(performance.now() - l0).toFixed(1);
  return { openMs, peakRssAfterOpenMiB: afterOpen, pages, lookupMs, peakRssMiB: rssMiB() };
}

async function main(): Promise<void> {
  const [op, repoDir, src, nArg] = process.argv.slice(2);
  if (op === 'backup' || op === 'browse') {
    process.stdout.write(JSON.stringify(await child(op, repoDir!, src!, Number(nArg))) + '\n');
    return;
  }
  const n = Number(op ?? 1_000_000);
  const dir = await mkdtemp(join(tmpdir(), 'cbs-browse-bench-'));
  try {
    const src = join(dir, 'src');
    const big = join(src, 'big');
    mkdirSync(big, { recursive: true });
    const t0 = performance.now();
    for (let i = 0; i < n; i++) closeSync(openSync(join(big, name(i)), 'w'));
    mkdirSync(join(big, 'zzz-sub'));
    closeSync(openSync(join(big, 'zzz-sub', 'inside'), 'w'));
    const createS = +((performance.now() - t0) / 1000).toFixed(1);
    const self = fileURLToPath(import.meta.url);
    const run = (step: string): unknown => {
      const r = spawnSync(process.execPath, [self, step, join(dir, 'repo'), src, String(n)], { encoding: 'utf8', maxBuffer: 1 << 24 });
      if (r.status !== 0) throw new Error(`${step} failed:\n${r.stderr}`);
      return JSON.parse(r.stdout);
    };
    const backupResult = run('backup');
    const browseResult = run('browse');
    process.stdout.write(JSON.stringify({ entries: n, createSeconds: createS, backup: backupResult, browse: browseResult }, null, 2) + '\n');
  } finally {
    if (!process.env['BENCH_KEEP']) await rm(dir, { recursive: true, force: true });
  }
}

await main();
