import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { watch } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { backendConformanceSuite, collect, rejectsWithKind } from '../testing/conformance.js';
import { LocalBackend } from './local-backend.js';

async function tempRoot(): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'cbs-local-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

backendConformanceSuite('local', async () => {
  const t = await tempRoot();
  return { backend: new LocalBackend(join(t.dir, 'bucket')), cleanup: t.cleanup };
});

test('local: the root directory is created on first put, and a missing root reads as empty', async () => {
  const t = await tempRoot();
  try {
    const b = new LocalBackend(join(t.dir, 'not', 'yet'));
    assert.equal(b.location, `local:${join(t.dir, 'not', 'yet')}`);
    await rejectsWithKind(b.get('config'), 'not-found');
    assert.deepEqual(await collect(b.list('')), []);
    await b.put('keys/k1', Buffer.from('k'));
    assert.deepEqual(await readdir(join(t.dir, 'not', 'yet', 'keys')), ['k1']);
  } finally { await t.cleanup(); }
});

test('local: temp files are never listed and no temp file is left by successful puts', async () => {
  const t = await tempRoot();
  try {
    const b = new LocalBackend(t.dir);
    await Promise.all(Array.from({ length: 20 }, (_, i) => b.put(`data/0${i % 3}/obj${i}`, Buffer.alloc(100, i))));
    for (const sub of ['00', '01', '02']) {
      const names = await readdir(join(t.dir, 'data', sub));
      assert.ok(names.every((n) => !n.includes('~')), `temp file left in data/${sub}: ${names.join(',')}`);
    }
    // What a killed writer leaves behind.
    await writeFile(join(t.dir, 'data', '00', '~0123456789abcdef.tmp'), 'partial');
    await writeFile(join(t.dir, '~fedcba9876543210.tmp'), 'partial');
    const keys = (await collect(b.list(''))).map((o) => o.key);
    assert.equal(keys.length, 20);
    assert.ok(keys.every((k) => !k.includes('~')));
  } finally { await t.cleanup(); }
});

test('local: an object is absent or whole after its writer is SIGKILLed mid-put', async () => {
  const t = await tempRoot();
  const size = 48 * 1024 * 1024;
  const backendUrl = new URL('./local-backend.js', import.meta.url).href;
  const child = [
    `const { LocalBackend } = await import(${JSON.stringify(backendUrl)});`,
    'const [root, fill] = process.argv.slice(1);',
    `await new LocalBackend(root).put('big/obj', Buffer.alloc(${size}, Number(fill)));`,
    "process.stdout.write('done');",
  ].join('\n');
  try {
    await mkdir(join(t.dir, 'big'), { recursive: true });
    const b = new LocalBackend(t.dir);
    let killedMidWrite = 0;
    let lastWhole: number | undefined;
    for (let round = 1; round <= 3; round++) {
      const proc = spawn(process.execPath, ['--input-type=module', '-e', child, t.dir, String(round)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      proc.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      // Kill the moment the temp file appears: the writer is then inside put().
      const watcher = watch(join(t.dir, 'big'), (_ev, name) => {
        if (name !== null && name.startsWith('~')) proc.kill('SIGKILL');
      });
      const [code, signal] = await once(proc, 'exit') as [number | null, string | null];
      watcher.close();
      if (signal === 'SIGKILL' && out === '') killedMidWrite++;
      else { assert.equal(code, 0); lastWhole = round; }

      const listed = await collect(b.list('big/'));
      let got: Buffer | undefined;
      try { got = await b.get('big/obj'); } catch (e) { await rejectsWithKind(Promise.reject(e), 'not-found'); }
      if (lastWhole === undefined) {
        assert.equal(got, undefined, `round ${round}: nothing was ever written whole, the key must be absent`);
        assert.deepEqual(listed, []);
      } else {
        assert.ok(got !== undefined, `round ${round}: a whole object was written before, it must still be there`);
        assert.equal(got.length, size);
        assert.ok(got.equals(Buffer.alloc(size, got[0])) && got[0]! >= lastWhole && got[0]! <= round, `round ${round}: object is one whole version`);
        assert.deepEqual(listed, [{ key: 'big/obj', size }]);
      }
      if (round === 2 && lastWhole === undefined) {
        // Give the remaining round a whole object to protect.
        await b.put('big/obj', Buffer.alloc(size, 2));
        lastWhole = 2;
      }
    }
    assert.ok(killedMidWrite >= 1, 'at least one writer was killed inside put()');
  } finally { await t.cleanup(); }
});

test('local: a put whose path crosses an existing object fails permanent', async () => {
  const t = await tempRoot();
  try {
    const b = new LocalBackend(t.dir);
    await b.put('a', Buffer.from('file'));
    await rejectsWithKind(b.put('a/b', Buffer.from('x')), 'permanent');
    await rejectsWithKind(b.get('a/b'), 'not-found');
  } finally { await t.cleanup(); }
});

test('local: permission denied is permanent', { skip: process.getuid?.() === 0 ? 'root ignores file modes' : false }, async () => {
  const t = await tempRoot();
  try {
    const b = new LocalBackend(t.dir);
    await b.put('ro/x', Buffer.from('x'));
    await chmod(join(t.dir, 'ro'), 0o500);
    await rejectsWithKind(b.put('ro/y', Buffer.from('y')), 'permanent');
    await chmod(join(t.dir, 'ro'), 0o700);
  } finally { await t.cleanup(); }
});

test('local: a closed backend refuses calls', async () => {
  const t = await tempRoot();
  try {
    const b = new LocalBackend(t.dir);
    await b.close();
    await rejectsWithKind(b.put('x', Buffer.from('x')), 'permanent');
  } finally { await t.cleanup(); }
});

test('local: objects are 0600 and every directory made for them 0700, even under a permissive umask', async () => {
  const t = await tempRoot();
  const old = process.umask(0o000);
  try {
    const b = new LocalBackend(join(t.dir, 'new', 'bucket'));
    await b.put('data/ab/pack1', Buffer.from('x'));
    await b.put('config', Buffer.from('y'));
    const mode = async (p: string): Promise<number> => (await stat(join(t.dir, p))).mode & 0o777;
    for (const d of ['new', 'new/bucket', 'new/bucket/data', 'new/bucket/data/ab']) assert.equal(await mode(d), 0o700, d);
    for (const f of ['new/bucket/config', 'new/bucket/data/ab/pack1']) assert.equal(await mode(f), 0o600, f);
  } finally {
    process.umask(old);
    await t.cleanup();
  }
});
