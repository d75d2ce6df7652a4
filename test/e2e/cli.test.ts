import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI, E2E_ENV, makeTree, snapshotTree, startServer, tempDir, type Server } from './harness.js';

const SEED = Number(process.env['E2E_SEED'] ?? 31337);

/** Runs `cbs …` against the server's credentials.json; resolves with exit code and output. */
function cbs(home: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...E2E_ENV, CBS_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    c.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    c.once('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

test('the CLI drives activate → backup now → ls → browse → restore files, folder and volume, with --json', { timeout: 180_000 }, async () => {
  const tmp = await tempDir('cli');
  let server: Server | undefined;
  try {
    const root = join(tmp.dir, 'vols');
    await makeTree(join(root, 'docs'), SEED, { files: 6, bigBytes: 200_000 });
    const home = join(tmp.dir, 'home');
    server = await startServer(home, { CBS_VOLUMES_ROOT: root });
    const ok = async (args: string[]) => {
      const r = await cbs(home, args);
      assert.equal(r.code, 0, `cbs ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
      return r;
    };
    for (let i = 0; i < 100; i++) {
      if ((await cbs(home, ['volume', 'ls', '--json'])).stdout.includes('"docs"')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const wes = JSON.parse((await ok(['we', 'ls', '--json'])).stdout);
    assert.equal(wes['working-environment'][0].name, 'local');
    assert.equal(JSON.parse((await ok(['backup', 'activate', '--bucket', 'cli-bucket', '--json'])).stdout).job[0].status, 'COMPLETED');

    const now = JSON.parse((await ok(['backup', 'now', 'docs', '--name', 'first', '--json'])).stdout);
    assert.equal(now.job[0].status, 'COMPLETED');
    assert.equal(now.job[0].type, 'backup-volume');
    const noWait = await ok(['backup', 'now', 'docs', '--no-wait']);
    assert.match(noWait.stdout.trim(), /^[0-9a-f-]{36}$/);
    await server.api.waitJob(noWait.stdout.trim());

    const ls = JSON.parse((await ok(['backup', 'ls', 'docs', '--json'])).stdout);
    assert.equal(ls.snapshot.length, 2);
    assert.ok(ls.snapshot.some((s: any) => s.name === 'first'));
    const human = await ok(['backup', 'ls', 'docs']);
    assert.match(human.stdout, /first/);

    const browse = JSON.parse((await ok(['browse', 'docs', 'first', '/docs', '--json'])).stdout);
    assert.ok(browse.context.some((e: any) => e.path === '/docs/big.bin'));
    const src = await snapshotTree(join(root, 'docs'));

    await ok(['restore', 'files', 'docs', 'first', '/docs/big.bin', '/docs/link-to-f1', '--path', '/out']);
    const out = await snapshotTree(join(root, 'docs', 'out'));
    assert.deepEqual(out.get('big.bin'), src.get('docs/big.bin'));
    assert.deepEqual(out.get('link-to-f1'), src.get('docs/link-to-f1'));
    await ok(['restore', 'folder', 'docs', 'latest', '/docs/deep', '--path', '/fold']);
    assert.deepEqual(await snapshotTree(join(root, 'docs', 'fold', 'deep')), [...src].reduce((m, [k, v]) => (k.startsWith('docs/deep/') ? m.set(k.slice('docs/deep/'.length), v) : m), new Map()));
    const vol = JSON.parse((await ok(['restore', 'volume', 'docs', 'first', '--to', 'docs-copy', '--json'])).stdout);
    assert.equal(vol.job[0].data.restore.target['volume-name'], 'docs-copy');
    assert.deepEqual(await snapshotTree(join(root, 'docs-copy')), src);

    // Disaster recovery: the key export opens the bucket with `cbs repo`, no server involved.
    const keyFile = join(tmp.dir, 'docs.key');
    await ok(['backup', 'export-key', '--output', keyFile]);
    const snaps = JSON.parse((await ok(['repo', 'snapshots', '--repo', `local:${join(home, 'buckets', 'cli-bucket')}`, '--key-file', keyFile, '--json'])).stdout);
    const ids = (Array.isArray(snaps) ? snaps : snaps.snapshots ?? snaps.snapshot ?? []).map((x: any) => x.id);
    for (const s of ls.snapshot) assert.ok(ids.includes(s.id), `${s.id} not in ${JSON.stringify(snaps).slice(0, 300)}`);

    // Errors are one line with the server's code, and a non-zero exit.
    const dup = await cbs(home, ['restore', 'volume', 'docs', 'first', '--to', 'docs']);
    assert.notEqual(dup.code, 0);
    assert.match(dup.stderr, /already exists.*\(CONFLICT\)/);
    const missing = await cbs(home, ['backup', 'now', 'nope']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /no volume "nope"/);
    assert.ok((await readFile(join(home, 'credentials.json'), 'utf8')).includes('agent-id'));
  } catch (e) {
    process.stderr.write(`seed ${SEED}\nserver output:\n${server?.output() ?? ''}\n`);
    throw e;
  } finally {
    await server?.stop();
    await tmp.cleanup();
  }
});
