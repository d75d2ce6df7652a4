import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunningS3rver {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  accessKeyId: 'S3RVER';
  secretAccessKey: 'S3RVER';
  stop(): Promise<void>;
}

// s3rver encrypts ListObjectsV2 continuation tokens with DES, which Node's OpenSSL 3
// only offers with the legacy provider; without it every listing longer than one
// page fails. So the server runs in a child node with that flag, not in the test
// process. The child exits when its stdin closes, so it never outlives the tests.
const CHILD = `
const S3rver = require(process.argv[1]);
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: process.argv[2],
  vhostBuckets: false, configureBuckets: JSON.parse(process.argv[3]).map((name) => ({ name })) });
server.run().then((info) => process.stdout.write(JSON.stringify({ port: info.port }) + '\\n'),
  (e) => { console.error(e); process.exit(1); });
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

/**
 * An s3rver on a free loopback port, storing in a temp directory that `stop()`
 * removes. It checks signatures, so wrong keys fail as on a real store.
 */
export async function startS3rver(opts: { buckets?: string[] } = {}): Promise<RunningS3rver> {
  const modulePath = createRequire(import.meta.url).resolve('s3rver');
  const directory = await mkdtemp(join(tmpdir(), 'cbs-s3rver-'));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', CHILD, modulePath, directory, JSON.stringify(opts.buckets ?? [])],
    { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n')[0];
        if (out.includes('\n') && line !== undefined) resolve((JSON.parse(line) as { port: number }).port);
      });
      child.on('exit', (code, signal) => reject(new Error(`s3rver exited before listening (code ${code}, signal ${signal})`)));
      child.on('error', reject);
    });
  } catch (e) {
    child.kill('SIGKILL');
    await rm(directory, { recursive: true, force: true });
    throw e;
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin.end();
        await exited;
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}
