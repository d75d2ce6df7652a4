/**
 * Runs a command as a child process and measures it the same way whichever program
 * it is: wall time from spawn to exit, and peak RSS (the kernel's high-water mark,
 * VmHWM, which covers all threads of the process, so the engine's worker threads count).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const GNU_TIME = '/usr/bin/time';

export interface Measured {
  readonly wallS: number;
  readonly peakRssMiB: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function hwmKiB(pid: number): Promise<number | undefined> {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined; // the process has exited between polls; the last value stands
  }
}

/**
 * Spawns `cmd args` under GNU time when it is installed (exact peak: the child's
 * ru_maxrss) and otherwise polls its VmHWM every `pollMs` (the high-water mark only
 * grows, so the last value read is the peak, up to what the final `pollMs` adds).
 */
export async function measure(cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; pollMs?: number } = {}): Promise<Measured> {
  if (!existsSync(GNU_TIME)) return measurePolled(cmd, args, opts);
  const dir = await mkdtemp(join(tmpdir(), 'cbs-bench-time-'));
  try {
    const out = join(dir, 'rss');
    const m = await measurePolled(GNU_TIME, ['-f', '%M', '-o', out, cmd, ...args], opts);
    const kib = Number((await readFile(out, 'utf8')).trim().split('\n').pop());
    return { ...m, peakRssMiB: Number.isFinite(kib) ? kib / 1024 : m.peakRssMiB };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function measurePolled(cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; pollMs?: number } = {}): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { env: { ...process.env, ...opts.env }, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    let polling = false;
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const poll = async (): Promise<void> => {
      if (polling || child.pid === undefined) return;
      polling = true;
      const v = await hwmKiB(child.pid);
      if (v !== undefined && v > peak) peak = v;
      polling = false;
    };
    const timer = setInterval(() => void poll(), opts.pollMs ?? 25);
    child.on('error', (e) => { clearInterval(timer); reject(e); });
    child.on('close', (code, signal) => {
      clearInterval(timer);
      const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
      if (code !== 0) {
        reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${stderr.slice(-4000)}`));
        return;
      }
      resolve({ wallS, peakRssMiB: peak / 1024, stdout, stderr });
    });
  });
}
