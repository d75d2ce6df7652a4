import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { assertSeedShape } from '../helpers/seed-schema.js';
import { e2eStores, freshPostgres, makeTree, snapshotTree, startAgent, startServer, tempDir, type Server } from './harness.js';

const SEED = Number(process.env['E2E_SEED'] ?? 4242);

/**
 * The whole path with real processes: `cbs serve` (embedded agent, WE `local`) plus a
 * standalone `cbs agent` (WE `site`), on SQLite and on PostgreSQL. Backup several
 * volumes → list → browse → restore a volume, a folder and files (also across agents)
 * → bytes and metadata equal the source; every job JSON matches the seed's schema.
 */
for (const storeName of e2eStores()) {
  describe(`e2e backup and restore (${storeName})`, () => {
    test('multi-volume backup, browse, and volume / folder / file restores reproduce the source exactly', { timeout: 240_000 }, async (t) => {
      const tmp = await tempDir(`br-${storeName}`);
      const pgdb = storeName === 'postgres' ? await freshPostgres() : undefined;
      if (storeName === 'postgres' && !pgdb) { t.skip('PostgreSQL not reachable'); await tmp.cleanup(); return; }
      let server: Server | undefined;
      let agent: Awaited<ReturnType<typeof startAgent>> | undefined;
      try {
        const localRoot = join(tmp.dir, 'local-root');
        const siteRoot = join(tmp.dir, 'site-root');
        for (const [i, v] of ['vol-a', 'vol-b', 'vol-c'].entries()) await makeTree(join(localRoot, v), SEED + i);
        await makeTree(join(siteRoot, 'proj'), SEED + 10, { files: 5, bigBytes: 100_000 });
        server = await startServer(join(tmp.dir, 'home'), {
          CBS_VOLUMES_ROOT: localRoot, ...(pgdb ? { CBS_DATABASE_URL: pgdb.url } : {}),
        });
        agent = await startAgent(server, tmp.dir, { site: siteRoot });
        const api = server.api;

        const local = await api.weByName('local');
        const site = await api.weByName('site');
        assert.notEqual(local['agent-id'], site['agent-id']);
        const vols = await Promise.all(['vol-a', 'vol-b', 'vol-c'].map((n) => api.volumeByName(local.id, n)));
        const proj = await api.volumeByName(site.id, 'proj');
        // Live browse goes through the agent.
        const live = await api.ok('GET', `/v1/working-environment/${local.id}/volume/${vols[0]['file-system-id']}/list?path=/docs`);
        assert.ok(live.context.some((e: any) => e.name === 'big.bin' && e.type === 'FILE' && e.size === 1_500_000));

        await api.activate(local.id, 'bucket-local');
        await api.activate(site.id, 'bucket-site', join(tmp.dir, 'buckets', 'site'));
        const again = await api.req('POST', `/v3/backup/working-environment/${local.id}`, { provider: 'LOCAL', bucket: 'bucket-local' });
        assert.equal(again.status, 409);

        // Multi-volume backup: one entry per volume, each with its snapshot.
        const created = await api.ok('POST', `/v2/backup/working-environment/${local.id}/volume`, {
          volume: vols.map((v) => ({ 'volume-id': v['file-system-id'], mode: 'AD_HOC' })),
        });
        assertSeedShape(await api.ok('GET', `/v1/job/${created['job-id']}`));
        const mv = await api.waitJob(created['job-id']);
        assertSeedShape(mv);
        const job = mv.job[0];
        assert.equal(job.status, 'COMPLETED', JSON.stringify(job));
        assert.equal(job.type, 'multi-volume-backup');
        assert.deepEqual(job.data['multi-volume-backup'].volume.map((e: any) => [e.id, e.status, e.error]), vols.map((v) => [v['file-system-id'], 'SUCCESS', '']));
        assert.ok(job['start-time'] >= job.time && job['end-time'] >= job['start-time']);
        assert.equal(job.progress['bytes-done'], job.progress['bytes-total']);

        // The volume's backups.
        const volA = vols[0];
        const list = await api.ok('GET', `/v1/backup/working-environment/${local.id}/volume/${volA['file-system-id']}/snapshot`);
        assert.equal(list.snapshot.length, 1);
        const snap = list.snapshot[0];
        assert.equal(snap.id, job.data['multi-volume-backup'].volume[0]['snapshot-id']);
        const srcA = await snapshotTree(join(localRoot, 'vol-a'));
        const bytesA = [...srcA.values()].reduce((s, n) => s + n.size, 0);
        assert.equal(snap.size, bytesA);
        assert.ok(Math.abs(snap['creation-time'] - Date.now()) < 120_000 && typeof snap.name === 'string' && snap.name !== '');
        assert.deepEqual(await api.ok('GET', `/v1/backup/working-environment/${local.id}/volume/${volA['file-system-id']}/snapshot/${snap.id}`), snap);

        // Browse, paginated.
        const sfr = `/v1/sfr/working-environment/${local.id}/volume/${volA['file-system-id']}/snapshot/${snap.id}/file-explore/list`;
        const root = await api.ok('GET', `${sfr}?path=/`);
        assert.deepEqual(root.context.map((e: any) => e.name), [...srcA.keys()].filter((k) => !k.includes('/')).sort());
        const p1 = await api.ok('GET', `${sfr}?path=/docs&page=1&limit=2`);
        const p2 = await api.ok('GET', `${sfr}?path=/docs&page=2&limit=2`);
        assert.equal(p1.context.length, 2);
        assert.deepEqual(p1.pageConfig.next, { page: 2, limit: 2 });
        assert.deepEqual(p2.pageConfig.previous, { page: 1, limit: 2 });
        assert.equal(p2.pageConfig.startIndex, 2);
        const docsAll = (await api.ok('GET', `${sfr}?path=/docs&limit=1000`)).context;
        const big = docsAll.find((e: any) => e.name === 'big.bin');
        assert.deepEqual([big.path, big.type, big.size, big.mtime], ['/docs/big.bin', 'FILE', 1_500_000, srcA.get('docs/big.bin')!.mtimeMs]);

        const source = (v: any, s: any, we = local) => ({
          'working-environment-id': we.id, 'working-environment-name': we.name, bucket: 'bucket-local',
          'volume-name': v.name, 'volume-id': v['file-system-id'], snapshot: s.id,
        });
        const target = (name: string, path?: string, we = local) => ({
          'working-environment-id': we.id, 'working-environment-name': we.name, svm: 'svm0', 'volume-name': name, ...(path ? { path } : {}),
        });

        // Volume restore → a new volume equal to the source.
        const rv = await api.ok('POST', '/v3/restore', { restore: { type: 'volume', source: source(volA, snap), target: target('vol-a-copy') } });
        const rvJob = await api.waitJob(rv['job-id']);
        assertSeedShape(rvJob);
        assert.equal(rvJob.job[0].status, 'COMPLETED', JSON.stringify(rvJob));
        assert.equal(rvJob.job[0].type, 'restore-volume');
        assert.deepEqual(rvJob.job[0].data.restore.source, { ...source(volA, snap) });
        assert.equal(rvJob.job[0].data.restore.target['volume-name'], 'vol-a-copy');
        assert.deepEqual(await snapshotTree(join(localRoot, 'vol-a-copy')), srcA);
        // The restored volume is a volume of the WE now; its name is taken.
        await api.volumeByName(local.id, 'vol-a-copy');
        const dup = await api.req('POST', '/v1/restore', { restore: { type: 'volume', source: source(volA, snap), target: target('vol-b') } });
        assert.equal(dup.status, 409);
        const bad = await api.req('POST', '/v3/restore', { restore: { type: 'volume', source: { ...source(volA, snap), 'volume-id': { bad: true } }, target: target('x') } });
        assert.equal(bad.status, 400);
        assert.match(bad.body.message, /restore\.source\.volume-id/);

        // Folder restore of vol-b's /docs/deep into vol-c at /restored.
        const volB = vols[1];
        const snapB = (await api.ok('GET', `/v1/backup/working-environment/${local.id}/volume/${volB['file-system-id']}/snapshot`)).snapshot[0];
        const deep = (await api.ok('GET', `/v1/sfr/working-environment/${local.id}/volume/${volB['file-system-id']}/snapshot/${snapB.id}/file-explore/list?path=/docs`))
          .context.find((e: any) => e.name === 'deep');
        const rf = await api.ok('POST', '/v3/restore', { restore: { type: 'folder', source: source(volB, snapB), target: target('vol-c', '/restored'), file: [deep] } });
        const rfJob = await api.waitJob(rf['job-id']);
        assertSeedShape(rfJob);
        assert.equal(rfJob.job[0].status, 'COMPLETED', JSON.stringify(rfJob));
        assert.deepEqual(await snapshotTree(join(localRoot, 'vol-c', 'restored', 'deep')), await snapshotTree(join(localRoot, 'vol-b', 'docs', 'deep')));

        // File restore: the browse entries echoed back; one batch with those files.
        const files = docsAll.filter((e: any) => e.type === 'FILE').slice(0, 3);
        const rfi = await api.ok('POST', '/v2/restore', { restore: { type: 'file', source: source(volA, snap), target: target('vol-c', '/files'), file: files.map(({ name: _n, ...f }: any) => ({ ...f, inode: String(f.inode) })) } });
        const rfiJob = await api.waitJob(rfi['job-id']);
        assertSeedShape(rfiJob);
        const rj = rfiJob.job[0];
        assert.equal(rj.status, 'COMPLETED', JSON.stringify(rj));
        assert.equal(rj.type, 'restore-file');
        assert.equal(rj.data.restore.batch.length, 1);
        assert.deepEqual(rj.data.restore.batch[0].file.map((f: any) => f.path), files.map((f: any) => f.path));
        assert.equal(rj.data.restore.batch[0].status, 'SUCCESS');
        for (const f of files) {
          const got = (await snapshotTree(join(localRoot, 'vol-c', 'files'))).get(f.name);
          assert.deepEqual(got, srcA.get(f.path.slice(1)), f.path);
        }
        // retain-source-path keeps the source path under target.path.
        const keep = await api.ok('POST', '/v3/restore', { restore: { type: 'file', source: source(volA, snap), target: { ...target('vol-c', '/kept'), 'retain-source-path': true }, file: [files[0]].map(({ name: _n, ...f }: any) => f) } });
        assert.equal((await api.waitJob(keep['job-id'])).job[0].status, 'COMPLETED');
        assert.deepEqual((await snapshotTree(join(localRoot, 'vol-c', 'kept'))).get(files[0].path.slice(1)), srcA.get(files[0].path.slice(1)));
        const status = await api.ok('GET', '/v1/restore/status');
        assert.ok(status.job.length >= 3);
        assert.ok(status.job.find((j: any) => j.id === rfi['job-id']).data.restore.file.length === files.length);

        // Backup now through the standalone agent, then restore across agents into `local`.
        const bn = await api.ok('POST', `/v3/backup/working-environment/${site.id}/volume/${proj['file-system-id']}`, { mode: 'AD_HOC', 'adhoc-backup-details': { name: 'proj-first' } });
        const bnJob = await api.waitJob(bn['job-id']);
        assertSeedShape(bnJob);
        assert.equal(bnJob.job[0].status, 'COMPLETED', JSON.stringify(bnJob));
        const projSnap = (await api.ok('GET', `/v1/backup/working-environment/${site.id}/volume/${proj['file-system-id']}/snapshot`)).snapshot[0];
        assert.equal(projSnap.name, 'proj-first');
        const cross = await api.ok('POST', '/v3/restore', { restore: { type: 'volume', source: { ...source(proj, projSnap, site), bucket: 'bucket-site' }, target: target('proj-copy') } });
        const crossJob = await api.waitJob(cross['job-id']);
        assert.equal(crossJob.job[0].status, 'COMPLETED', JSON.stringify(crossJob));
        assert.deepEqual(await snapshotTree(join(localRoot, 'proj-copy')), await snapshotTree(join(siteRoot, 'proj')));

        // An incremental second backup of an unchanged volume finishes and is listed newest first.
        await mkdir(join(localRoot, 'vol-a', 'new-dir'));
        const second = await api.waitJob((await api.ok('POST', `/v3/backup/working-environment/${local.id}/volume/${volA['file-system-id']}`, { mode: 'AD_HOC' }))['job-id']);
        assert.equal(second.job[0].status, 'COMPLETED');
        const list2 = await api.ok('GET', `/v1/backup/working-environment/${local.id}/volume/${volA['file-system-id']}/snapshot`);
        assert.equal(list2.snapshot.length, 2);
        assert.ok(list2.snapshot[0]['creation-time'] >= list2.snapshot[1]['creation-time']);
      } catch (e) {
        process.stderr.write(`seed ${SEED}\nserver output:\n${server?.output() ?? ''}\nagent output:\n${agent?.output() ?? ''}\n`);
        throw e;
      } finally {
        await agent?.stop();
        await server?.stop();
        await pgdb?.cleanup();
        await tmp.cleanup();
      }
    });
  });
}
