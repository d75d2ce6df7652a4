/**
 * The programs the engine benchmark compares, each behind the same four steps. Every
 * step is a separate process measured by engine-measure, so start-up and key
 * derivation count for both sides alike.
 */
import { spawnSync } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openBackend } from '../src/storage/index.js';
import { measure, type Measured } from './engine-measure.js';

export interface BenchTool {
  /** Shown in the results table. */
  readonly name: string;
  init(): Promise<Measured>;
  /** Open the repository and list its snapshots: what every command pays before its work. */
  open(): Promise<Measured>;
  backup(source: string): Promise<Measured>;
  restore(target: string): Promise<Measured>;
  /** Snapshot ids, oldest first. */
  snapshots(): Promise<string[]>;
  forget(ids: readonly string[]): Promise<Measured>;
  /** Reclaim the space of forgotten snapshots, with the program's default unused-space tolerance (5 % for both). */
  prune(): Promise<Measured>;
  /** Bytes the repository occupies in its store. */
  repoBytes(): Promise<number>;
}

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'engine-child.js');
const PASSWORD = 'bench-password';

export async function dirBytes(dir: string): Promise<number> {
  let n = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) n += await dirBytes(p);
    else if (e.isFile()) n += (await stat(p)).size;
  }
  return n;
}

/** The OpenCBS engine in a child node process, on a local directory or an S3 location. */
export function openCbsTool(name: string, location: string, opts: { s3Keys?: { accessKeyId: string; secretAccessKey: string }; cpuProfDir?: string } = {}): BenchTool {
  const env: NodeJS.ProcessEnv = {
    CBS_REPO_PASSWORD: PASSWORD,
    ...(opts.s3Keys ? { CBS_S3_ACCESS_KEY_ID: opts.s3Keys.accessKeyId, CBS_S3_SECRET_ACCESS_KEY: opts.s3Keys.secretAccessKey } : {}),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const node = (args: string[]): Promise<Measured> => measure(process.execPath, [
    ...(opts.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', opts.cpuProfDir] : []), CHILD, ...args,
  ], { env });
  return {
    name,
    init: () => node(['init', location]),
    open: () => node(['open', location]),
    backup: (source) => node(['backup', location, source]),
    restore: (target) => node(['restore', location, target]),
    snapshots: async () => (JSON.parse((await node(['snapshots', location])).stdout) as { snapshots: string[] }).snapshots,
    forget: (ids) => node(['forget', location, ids.join(',')]),
    prune: () => node(['prune', location]),
    async repoBytes() {
      const b = await openBackend(location, opts.s3Keys ?? {});
      try {
        let n = 0;
        for await (const o of b.list('')) n += o.size;
        return n;
      } finally {
        await b.close();
      }
    },
  };
}

export function resticVersion(): string | undefined {
  const r = spawnSync('restic', ['version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * restic with its defaults: repository format 2, `--compression auto` (zstd at its
 * fastest level, skipped for incompressible data), parallelism from GOMAXPROCS.
 */
export function resticTool(repoDir: string, cacheDir: string): BenchTool {
  const env = { RESTIC_PASSWORD: PASSWORD, RESTIC_REPOSITORY: repoDir, RESTIC_CACHE_DIR: cacheDir };
  const restic = (args: string[]): Promise<Measured> => measure('restic', ['-q', ...args], { env });
  return {
    name: 'restic',
    init: () => restic(['init', '--repository-version', '2']),
    open: () => restic(['snapshots']),
    backup: (source) => restic(['backup', '--compression', 'auto', '--host', 'bench', source]),
    // restic recreates the absolute source path below --target.
    restore: (target) => restic(['restore', 'latest', '--target', target]),
    snapshots: async () => {
      const list = JSON.parse((await restic(['snapshots', '--json'])).stdout) as { id: string; time: string }[];
      return list.sort((a, b) => Date.parse(a.time) - Date.parse(b.time)).map((s) => s.id);
    },
    forget: (ids) => restic(['forget', ...ids]),
    // restic 0.14's defaults: --max-unused 5%, repack what that requires.
    prune: () => restic(['prune']),
    repoBytes: () => dirBytes(repoDir),
  };
}
