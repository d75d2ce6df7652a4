/**
 * `npm run bench:engine` — OpenCBS's engine next to restic on the same data in one
 * run: initial backup, unchanged re-backup, re-backup after ~10 % changes, full
 * restore; then more backups after changes, forget the older half of the snapshots,
 * and prune. Each step of each program runs as its own process; wall time, throughput
 * (data-set MiB per second), peak RSS and repository size are printed with the
 * OpenCBS/restic ratios. See bench/README.md for the data set and the results.
 *
 * Environment:
 *   BENCH_SIZE_MB   data-set size in MiB                 @default 1024
 *   BENCH_SEED      data-set seed                        @default 1
 *   BENCH_PRUNE_BACKUPS  backups after further ~10 % changes before forget + prune  @default 4
 *   BENCH_S3=1      also run OpenCBS against s3rver on loopback (no restic counterpart)
 *   BENCH_PROFILE=1 CPU-profile the OpenCBS local steps and print where the time goes
 *   BENCH_OUT=FILE  also write the results as JSON
 *   BENCH_KEEP=1    keep the temp directory (data, repositories, profiles)
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { startS3rver, type RunningS3rver } from '../src/storage/testing/index.js';
import { generateDataSet, mutateDataSet } from './data-gen.js';
import { formatProfile, summarizeProfiles } from './engine-profile.js';
import { dirBytes, openCbsTool, resticTool, resticVersion, type BenchTool } from './engine-tools.js';

const MiB = 1024 * 1024;
const STEPS = ['initial backup', 'unchanged re-backup', 'backup after 10% change', 'full restore', 'forget older half', 'prune'] as const;
type Step = (typeof STEPS)[number];

interface Row { step: Step; tool: string; wallS: number; mibPerS: number; peakRssMiB: number; repoMiB: number; dataMiB: number }

const envNum = (name: string, dflt: number): number => {
  const v = Number(process.env[name] ?? dflt);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
  return v;
};

function log(msg: string): void {
  process.stderr.write(`[bench:engine ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

async function main(): Promise<void> {
  const sizeMiB = envNum('BENCH_SIZE_MB', 1024);
  const seed = envNum('BENCH_SEED', 1);
  const pruneBackups = Number(process.env['BENCH_PRUNE_BACKUPS'] ?? 4);
  const work = await mkdtemp(join(tmpdir(), 'cbs-engine-bench-'));
  let s3: RunningS3rver | undefined;
  try {
    const data = join(work, 'data');
    log(`generating ${sizeMiB} MiB data set (seed ${seed}) in ${data}`);
    const gen = await generateDataSet(data, sizeMiB, seed);
    log(`data set: ${gen.files} files, ${(gen.bytes / MiB).toFixed(0)} MiB`);

    const profDir = process.env['BENCH_PROFILE'] === '1' ? join(work, 'profiles') : undefined;
    const tools: BenchTool[] = [openCbsTool('opencbs', `local:${join(work, 'repo-opencbs')}`)];
    const restic = resticVersion();
    if (restic) {
      await mkdir(join(work, 'restic-cache'));
      tools.push(resticTool(join(work, 'repo-restic'), join(work, 'restic-cache')));
    } else {
      log('restic is not installed (apt-get install -y restic): running OpenCBS alone, no ratios');
    }
    if (process.env['BENCH_S3'] === '1') {
      s3 = await startS3rver({ buckets: ['bench'] });
      tools.push(openCbsTool('opencbs-s3rver', `s3:${s3.endpoint}/bench/repo`, { s3Keys: s3 }));
    }
    for (const t of tools) await t.init();

    const rows: Row[] = [];
    let dataBytes = gen.bytes;
    const run = async (step: Step, t: BenchTool, fn: () => Promise<{ wallS: number; peakRssMiB: number }>): Promise<void> => {
      log(`${t.name}: ${step}`);
      const m = await fn();
      const row: Row = {
        step, tool: t.name, wallS: m.wallS, mibPerS: dataBytes / MiB / m.wallS, peakRssMiB: m.peakRssMiB,
        repoMiB: (await t.repoBytes()) / MiB, dataMiB: dataBytes / MiB,
      };
      rows.push(row);
      log(`  ${row.wallS.toFixed(2)} s, ${row.mibPerS.toFixed(1)} MiB/s, peak RSS ${row.peakRssMiB.toFixed(0)} MiB, repo ${row.repoMiB.toFixed(0)} MiB`);
    };
    // The profiled tool is a second handle on the same repository, so profiling does not change what is measured elsewhere.
    const profiled = (t: BenchTool, step: string): BenchTool => (profDir && t.name === 'opencbs'
      ? openCbsTool(t.name, `local:${join(work, 'repo-opencbs')}`, { cpuProfDir: join(profDir, step.replace(/\W+/g, '-')) })
      : t);

    for (const t of tools) await run('initial backup', t, () => profiled(t, 'initial backup').backup(data));
    for (const t of tools) await run('unchanged re-backup', t, () => profiled(t, 'unchanged').backup(data));
    // The floor under every step: process start, key derivation, reading the snapshot list.
    const fixed: string[] = [];
    for (const t of tools) fixed.push(`${t.name} ${(await t.open()).wallS.toFixed(2)} s`);
    log(`open + list snapshots: ${fixed.join(', ')}`);
    const mut = await mutateDataSet(data, 0.1, seed);
    dataBytes = await dirBytes(data);
    log(`changed ${(mut.bytesChanged / MiB).toFixed(0)} MiB: ${mut.filesChanged} files changed, ${mut.filesAdded} added, ${mut.filesDeleted} deleted`);
    for (const t of tools) await run('backup after 10% change', t, () => profiled(t, 'changed').backup(data));
    for (const t of tools) {
      const target = join(work, `restore-${t.name}`);
      await run('full restore', t, () => profiled(t, 'restore').restore(target));
      const restored = await dirBytes(target);
      if (restored !== dataBytes) throw new Error(`${t.name} restored ${restored} bytes, the data set has ${dataBytes}`);
      await rm(target, { recursive: true, force: true });
    }

    // Deletion: more backups after changes, then forget the older half of the snapshots and prune.
    for (let k = 1; k <= pruneBackups; k++) {
      const m = await mutateDataSet(data, 0.1, seed + k);
      log(`change ${k}/${pruneBackups}: ${(m.bytesChanged / MiB).toFixed(0)} MiB changed`);
      const sizes: string[] = [];
      for (const t of tools) {
        await t.backup(data);
        sizes.push(`${t.name} ${((await t.repoBytes()) / MiB).toFixed(1)} MiB`);
      }
      log(`  repositories after backup: ${sizes.join(', ')}`);
    }
    dataBytes = await dirBytes(data);
    for (const t of tools) {
      const snaps = await t.snapshots();
      const older = snaps.slice(0, Math.floor(snaps.length / 2));
      log(`${t.name}: ${snaps.length} snapshots, forgetting the ${older.length} oldest`);
      await run('forget older half', t, () => t.forget(older));
    }
    for (const t of tools) {
      let detail = '';
      await run('prune', t, async () => {
        const m = await t.prune();
        const r = (JSON.parse(m.stdout.trim() || '{}') as { prune?: { packsDeleted: number; packsRepacked: number; packsWritten: number; bytesReclaimed: number } }).prune;
        if (r) detail = `${r.packsDeleted} packs deleted, ${r.packsRepacked} repacked into ${r.packsWritten}, ${(r.bytesReclaimed / MiB).toFixed(0)} MiB reclaimed`;
        return m;
      });
      if (detail) log(`  ${detail}`);
    }

    const report = formatReport(rows, { sizeMiB, seed, files: gen.files, restic }) +
      `\nFixed cost of one command (start, key derivation, open, list snapshots): ${fixed.join(', ')}\n`;
    process.stdout.write(report);
    if (profDir) {
      for (const step of ['initial-backup', 'unchanged', 'changed', 'restore']) {
        process.stdout.write(`\n### OpenCBS CPU profile: ${step}\n`);
        process.stdout.write(formatProfile(await summarizeProfiles(join(profDir, step))));
      }
    }
    const out = process.env['BENCH_OUT'];
    if (out) await writeFile(out, JSON.stringify({ date: new Date().toISOString(), sizeMiB, seed, files: gen.files, restic, cpus: cpus().length, rows }, null, 2));
  } finally {
    await s3?.stop();
    if (process.env['BENCH_KEEP'] === '1') log(`kept ${work}`);
    else await rm(work, { recursive: true, force: true });
  }
}

function formatReport(rows: Row[], meta: { sizeMiB: number; seed: number; files: number; restic: string | undefined }): string {
  const f = (n: number, d = 1): string => n.toFixed(d);
  const out = [
    `\n## Engine benchmark ${new Date().toISOString().slice(0, 10)}: ${meta.sizeMiB} MiB, ${meta.files} files, seed ${meta.seed}, ` +
      `${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, node ${process.version}, ${meta.restic ?? 'no restic'}\n`,
    '| step | program | wall s | MiB/s | peak RSS MiB | repo MiB |',
    '|---|---|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.step} | ${r.tool} | ${f(r.wallS, 2)} | ${f(r.mibPerS)} | ${f(r.peakRssMiB, 0)} | ${f(r.repoMiB, 0)} |`),
  ];
  const ratios = STEPS.flatMap((step) => {
    const ours = rows.find((r) => r.step === step && r.tool === 'opencbs');
    const theirs = rows.find((r) => r.step === step && r.tool === 'restic');
    if (!ours || !theirs) return [];
    return [`| ${step} | ${f(ours.mibPerS / theirs.mibPerS, 2)} | ${f(ours.peakRssMiB / theirs.peakRssMiB, 2)} | ${f(ours.repoMiB / theirs.repoMiB, 3)} |`];
  });
  if (ratios.length) {
    out.push('', 'OpenCBS / restic (throughput > 1 is faster; RSS and repo size < 1 is smaller):', '',
      '| step | throughput | peak RSS | repo size |', '|---|---:|---:|---:|', ...ratios);
  }
  return out.join('\n') + '\n';
}

await main();
