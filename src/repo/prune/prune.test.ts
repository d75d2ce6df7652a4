import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { MemBackend } from '../../storage/index.js';
import { FaultyBackend } from '../../storage/testing/index.js';
import { backup } from '../backup/index.js';
import { check } from '../check/index.js';
import { isRepoError } from '../errors.js';
import { forget } from '../forget/index.js';
import { openRepository, Repository } from '../repository/index.js';
import { restore } from '../restore/index.js';
import { listSnapshots } from '../snapshot/index.js';
import { testRepo, withTempDir } from '../testing/fixtures.js';
import { Rng } from '../testing/random.js';
import { describeTree, diffTrees } from '../testing/tree-gen.js';
import { prune, PRUNE_STEPS, type PruneStep } from './index.js';

const KiB = 1024;

/** A handle on the same repository writing 64 KiB packs, so a small tree makes many packs. */
function smallPacks(repo: Repository): Repository {
  return new Repository(repo.backend, { ...repo.config, packSize: 64 * KiB }, repo.master);
}

async function objects(b: MemBackend): Promise<string[]> {
  const out: string[] = [];
  for await (const o of b.list('')) if (!o.key.startsWith('locks/')) out.push(o.key);
  return out.sort();
}

/** Writes version `v` of a small tree: files 0..11, a third of them rewritten per version (same seed, same bytes). */
async function version(src: string, seed: number, v: number): Promise<void> {
  const rng = new Rng(seed * 100 + v);
  await mkdir(join(src, 'sub'), { recursive: true });
  for (let f = 0; f < 12; f++) {
    if (v === 0 || f % 3 === v % 3) await writeFile(join(src, f % 2 ? 'sub' : '', `f${f}`), rng.bytes(20 * KiB + rng.int(0, 40 * KiB)));
  }
}

type Described = Awaited<ReturnType<typeof describeTree>>;

/** Backs up versions 0..n-1 of the tree into a small-pack repository; returns each snapshot with its source. */
async function versions(dir: string, seed: number, n: number): Promise<{ backend: MemBackend; repo: Repository; src: string; snaps: { id: string; tree: Described }[] }> {
  const backend = new MemBackend();
  const repo = smallPacks(await testRepo(backend));
  const src = join(dir, 'src');
  const snaps: { id: string; tree: Described }[] = [];
  for (let v = 0; v < n; v++) {
    await version(src, seed, v);
    snaps.push({ id: (await backup(repo, { sourceDir: src, workers: 1 })).snapshot.id, tree: await describeTree(src) });
  }
  return { backend, repo, src, snaps };
}

async function assertRestores(repo: Repository, dir: string, id: string, want: Described): Promise<void> {
  const out = join(dir, `out-${id.slice(0, 8)}-${Math.random().toString(36).slice(2)}`);
  await restore(repo, { snapshotId: id, targetDir: out, workers: 1 });
  assert.deepEqual(diffTrees(want, await describeTree(out)), [], `snapshot ${id.slice(0, 8)} restores exactly`);
  await rm(out, { recursive: true, force: true });
}

test('forget then prune reclaims the data only forgotten snapshots used; kept snapshots restore; a second prune finds nothing', async () => {
  await withTempDir(async (dir) => {
    const { backend, repo, snaps } = await versions(dir, 11, 4);
    const before = await objects(backend);
    const dry = await prune(repo, { dryRun: true, maxUnused: 0, workers: 1 });
    assert.deepEqual(await objects(backend), before, 'a dry run changes nothing');
    assert.equal(dry.packsDeleted + dry.packsRepacked, 0, 'nothing is unused while every snapshot exists');

    const f = await forget(repo, [snaps[0]!.id, snaps[1]!.id.slice(0, 12)]);
    assert.deepEqual(f.removed.map((s) => s.id), [snaps[0]!.id, snaps[1]!.id]);
    assert.ok(f.unreferencedBytesBound > 0);
    const plan = await prune(repo, { dryRun: true, maxUnused: 0, workers: 1 });
    const steps: PruneStep[] = [];
    const r = await prune(repo, { maxUnused: 0, workers: 1, hooks: { onStep: (s) => { steps.push(s); } } });
    assert.deepEqual(steps, PRUNE_STEPS, 'every step runs, in order');
    assert.equal(r.snapshotsKept, 2);
    assert.ok(r.packsDeleted > 0 && r.blobsRemoved > 0, JSON.stringify(r));
    assert.equal(r.packsDeleted, plan.packsDeleted, 'the dry run predicted the deletions');
    assert.equal(r.packsRepacked, plan.packsRepacked);
    assert.equal(r.blobsRemoved, plan.blobsRemoved);
    assert.ok(r.bytesAfter < r.bytesBefore && r.bytesReclaimed === r.bytesBefore - r.bytesAfter);
    assert.ok(r.bytesReclaimed <= f.unreferencedBytesBound + 64 * KiB, 'the forget bound holds (up to pack headers)');
    let stored = 0;
    for await (const o of backend.list('')) if (o.key.startsWith('data/') || o.key.startsWith('index/')) stored += o.size;
    assert.equal(stored, r.bytesAfter, 'bytesAfter is what the store holds');
    assert.ok(r.unusedBytesAfter < 200 * r.packsAfter, 'with maxUnused 0 only pack headers are left unused');

    const fresh = await openRepository(backend, { passphrase: 'test' });
    assert.deepEqual((await check(fresh, { readData: true, workers: 1 })).errors, []);
    for (const s of snaps.slice(2)) await assertRestores(fresh, dir, s.id, s.tree);
    const again = await prune(fresh, { maxUnused: 0, workers: 1 });
    assert.equal(again.packsDeleted + again.packsRepacked + again.indexObjectsWritten, 0, JSON.stringify(again));
  });
});

test('a handle opened before a prune refreshes its index when it takes its next lock, and its backups stay whole', async () => {
  await withTempDir(async (dir) => {
    const backend = new MemBackend();
    const writer = smallPacks(await testRepo(backend));
        const src = join(dir, 'src');
    await version(src, 12, 0);
    const first = (await backup(writer, { sourceDir: src, workers: 1 })).snapshot;
    const firstTree = await describeTree(src);
    await version(src, 12, 1);
    const second = (await backup(writer, { sourceDir: src, workers: 1 })).snapshot;
    // `writer` keeps its index in memory; another process forgets and prunes, repacking every pack.
    const other = await openRepository(backend, { passphrase: 'test' });
    await forget(other, [second.id]);
    const r = await prune(other, { maxUnused: 0, workers: 1, packSize: 64 * KiB });
    assert.ok(r.packsRepacked + r.packsDeleted > 0);
    assert.equal(writer.index.size > r.blobsAfter, true, 'the old handle still lists the removed blobs');
    // Back to the second version: its blobs are gone, the stale index must not be trusted.
    await version(src, 12, 0);
    await version(src, 12, 1);
    const third = await backup(writer, { sourceDir: src, workers: 1 });
    assert.ok(third.summary.dataAdded > 0, 'data the prune removed was stored again, not assumed present');
    assert.deepEqual((await check(await openRepository(backend, { passphrase: 'test' }), { readData: true, workers: 1 })).errors, []);
    await assertRestores(writer, dir, first.id, firstTree);
    await assertRestores(writer, dir, third.snapshot.id, await describeTree(src));
    assert.deepEqual(await writer.refreshIndex(), { added: 0, rebuilt: false });
  });
});

test('a data blob with the bytes (hence the id) of a tree does not hide that tree from the walk', async () => {
  await withTempDir(async (dir) => {
    const backend = new MemBackend();
    const repo = await testRepo(backend);
    const src = join(dir, 'src');
    await mkdir(join(src, 'b-dir'), { recursive: true });
    await writeFile(join(src, 'b-dir', 'only-here'), new Rng(13).bytes(3000));
    const s1 = await backup(repo, { sourceDir: src, workers: 1 });
    const root = (await repo.loadBlob(Buffer.from(s1.snapshot.tree, 'hex'))).toString();
    const subtree = (JSON.parse(root) as { nodes: { name: string; subtree?: string }[] }).nodes.find((n) => n.name === 'b-dir')!.subtree!;
    // 'a-file' sorts before 'b-dir': the walk meets the id as data first.
    await writeFile(join(src, 'a-file'), await repo.loadBlob(Buffer.from(subtree, 'hex')));
    const s2 = await backup(repo, { sourceDir: src, workers: 1 });
    assert.equal(s2.summary.dataAdded, 0, 'the file deduplicated against the tree blob');
    await forget(repo, [s1.snapshot.id]);
    await prune(repo, { maxUnused: 0, workers: 1 });
    assert.deepEqual((await check(repo, { readData: true, workers: 1 })).errors, []);
    await assertRestores(repo, dir, s2.snapshot.id, await describeTree(src));
  });
});

test('prune deletes nothing when it cannot read every snapshot, tree and index object', async () => {
  await withTempDir(async (dir) => {
    const src = join(dir, 'src');
    await version(src, 14, 0);
    for (const damage of ['snapshot', 'index', 'tree'] as const) {
      const backend = new MemBackend();
      const repo = smallPacks(await testRepo(backend));
      const s1 = await backup(repo, { sourceDir: src, workers: 1 });
      await version(src, 14, 1);
      await backup(repo, { sourceDir: src, workers: 1 });
      await forget(repo, [s1.snapshot.id]);
      if (damage === 'snapshot') {
        const [id] = (await listSnapshots(repo)).map((s) => s.id);
        await backend.put(`snapshots/${id}`, Buffer.from('garbage'));
      } else if (damage === 'index') {
        const [id] = await repo.listObjects('index');
        await backend.put(`index/${id}`, Buffer.from('garbage'));
      } else {
        // Drop the tree packs: the trees are indexed but cannot be read.
        const trees = new Set([...repo.index.entries()].filter((e) => e.type === 'tree').map((e) => e.pack));
        for (const p of trees) await backend.delete(`data/${p.slice(0, 2)}/${p}`);
      }
      const before = await objects(backend);
      await assert.rejects(prune(repo, { maxUnused: 0, workers: 1 }), (e: unknown) => isRepoError(e, 'REPO_INTEGRITY'), damage);
      assert.deepEqual(await objects(backend), before, `${damage}: nothing deleted or written`);
    }
  });
});

test('a prune aborted in the middle leaves a consistent repository, and the next prune finishes', async () => {
  await withTempDir(async (dir) => {
    const { repo, snaps } = await versions(dir, 15, 3);
    await forget(repo, [snaps[0]!.id]);
    for (const at of ['write-index', 'delete-index', 'delete-packs'] as const) {
      const ac = new AbortController();
      await assert.rejects(prune(repo, { maxUnused: 0, workers: 1, packSize: 64 * KiB, signal: ac.signal, hooks: { onStep: (s) => { if (s === at) ac.abort(); } } }));
      assert.deepEqual((await check(repo, { readData: true, workers: 1 })).errors, [], `aborted at ${at}`);
    }
    await prune(repo, { maxUnused: 0, workers: 1 });
    const done = await prune(repo, { maxUnused: 0, workers: 1, dryRun: true });
    assert.equal(done.packsDeleted + done.packsRepacked, 0);
    for (const s of snaps.slice(1)) await assertRestores(repo, dir, s.id, s.tree);
  });
});

test('entries a handle adopted from unindexed packs but never wrote are dropped once a prune may have deleted those packs', async () => {
  const backend = new MemBackend();
  const repo = await testRepo(backend);
  // A backup whose index write failed: its pack is stored, no index names it.
  const faulty = new FaultyBackend(backend).plan({ method: 'put', key: /^index\//, fault: 'permanent' });
  const crashed = new Repository(faulty, repo.config, repo.master);
  const { id } = await crashed.saveBlob('data', Buffer.from('left behind by an interrupted backup'));
  await assert.rejects(crashed.flush());
  faulty.assertAllFired();
  // A long-lived handle adopts the pack, and its own index write fails too: the entries stay pending.
  const holder = await openRepository(faulty, { passphrase: 'test' });
  assert.deepEqual(await holder.adoptUnindexedPacks(() => undefined), { packs: 1, blobs: 1 });
  faulty.plan({ method: 'put', key: /^index\//, fault: 'permanent' });
  await assert.rejects(holder.flush());
  assert.ok(holder.index.has(id));
  // A prune elsewhere deletes the unindexed pack; the holder must not go on trusting its entry.
  const r = await prune(await openRepository(backend, { passphrase: 'test' }), { workers: 1 });
  assert.equal(r.packsUnindexed, 1);
  assert.deepEqual(await holder.refreshIndex(), { added: 0, rebuilt: true });
  assert.equal(holder.index.has(id), false);
  assert.equal((await holder.saveBlob('data', Buffer.from('left behind by an interrupted backup'))).added, true, 'stored again, not assumed present');
});
