import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/** The compiled CLI entry point (tests run from dist/test/…). */
export const CBS_BIN = join(dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');

export interface CliResult { code: number | null; stdout: string; stderr: string }

/** Runs `cbs ARGS…` to completion. */
export function runCbs(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CBS_BIN, ...args], { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`cbs ${args.join(' ')} timed out\n${stderr}`)); }, opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

export interface ServerProcess { child: ChildProcess; url: string; stderr(): string; stop(signal?: NodeJS.Signals): Promise<number | null> }

/** Starts `cbs serve` on a free loopback port and resolves once it listens. */
export function startServeProcess(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ServerProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CBS_BIN, 'serve', '--port', '0', '--log-level', 'warn', ...args], {
      env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`cbs serve did not start:\n${err}`)); }, opts.timeoutMs ?? 30_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({
          child, url: m[1]!, stderr: () => err,
          async stop(signal = 'SIGTERM') { if (child.exitCode === null) child.kill(signal); return exited; },
        });
      }
    });
    child.stdout!.resume();
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`cbs serve exited with ${code}:\n${err}`)); });
  });
}
