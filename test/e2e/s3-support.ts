import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CLI, E2E_ENV, run, type Proc, type Server } from './harness.js';

export interface KeyedS3rver {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  stop(): Promise<void>;
}

// Like startS3rver (src/storage/testing), but the server also accepts the given key
// pairs, so the secrets are distinctive strings a test can grep for in every output.
// s3rver refuses an unknown access key id but does not verify signatures: a wrong
// secret needs the fault proxy (403 SignatureDoesNotMatch).
const CHILD = `
const S3rver = require(process.argv[1]);
const Account = require(process.argv[2]);
for (const [id, secret] of JSON.parse(process.argv[5])) Account.DUMMY_ACCOUNT.createKeyPair(id, secret);
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: process.argv[3],
  vhostBuckets: false, configureBuckets: JSON.parse(process.argv[4]).map((name) => ({ name })) });
server.run().then((info) => process.stdout.write(JSON.stringify({ port: info.port }) + '\\n'),
  (e) => { console.error(e); process.exit(1); });
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

export async function startKeyedS3rver(keys: Array<[string, string]>, buckets: string[] = []): Promise<KeyedS3rver> {
  const req = createRequire(import.meta.url);
  const modulePath = req.resolve('s3rver');
  const accountPath = join(dirname(modulePath), 'models', 'account.js');
  const directory = await mkdtemp(join(tmpdir(), 'cbs-e2e-s3rver-'));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', CHILD, modulePath, accountPath, directory, JSON.stringify(buckets), JSON.stringify(keys)],
    { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve((JSON.parse(out.split('\n')[0]!) as { port: number }).port);
    });
    child.on('exit', (code, signal) => reject(new Error(`s3rver exited before listening (code ${code}, signal ${signal})`)));
  }).catch(async (e: unknown) => { child.kill('SIGKILL'); await rm(directory, { recursive: true, force: true }); throw e; });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) { child.stdin.end(); await exited; }
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** A distinctive secret: long enough that a match in any output cannot be chance. */
export function secret(tag: string): string {
  return `${tag}-${randomBytes(12).toString('hex')}`;
}

/** A `cbs agent` at log level info (its most verbose), with extra environment (e.g. AWS_ENDPOINT_URL_S3). */
export async function startVerboseAgent(server: Server, dir: string, wes: Record<string, string>, env: Record<string, string> = {}): Promise<Proc & { agentId: string }> {
  const credentials = join(dir, `agent-${randomBytes(4).toString('hex')}.json`);
  const c = run(['agent', 'create', '--out', credentials, '--server', server.url, '--token', server.creds.token, '--account', server.creds['account-id'], '--agent-id', server.creds['agent-id']], { CBS_HOME: server.home });
  await once(c.child, 'exit');
  if (c.child.exitCode !== 0) throw new Error(`cbs agent create failed:\n${c.output()}`);
  const agentId = (JSON.parse(await readFile(credentials, 'utf8')) as { agentId: string }).agentId;
  const args = ['agent', '--credentials', credentials, '--server', server.url, '--log-level', 'info'];
  for (const [n, root] of Object.entries(wes)) args.push('--we', `${n}=${root}`);
  const p = run(args, env);
  await p.waitFor(/agent \S+ serving/);
  return { ...p, agentId };
}

/** Runs `cbs …` to completion; resolves with exit code and output. */
export function cbs(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...E2E_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    c.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    c.once('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
