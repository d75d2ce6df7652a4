/**
 * One engine operation in its own process, so the benchmark measures its wall time
 * and peak RSS exactly as it measures restic's. Prints one JSON line on stdout.
 *
 *   node engine-child.js init    LOCATION
 *   node engine-child.js open    LOCATION              (open, list snapshots: the fixed cost of any command)
 *   node engine-child.js backup  LOCATION SOURCE_DIR
 *   node engine-child.js restore LOCATION TARGET_DIR
 *   node engine-child.js snapshots LOCATION           (ids, oldest first)
 *   node engine-child.js forget  LOCATION ID,ID,…
 *   node engine-child.js prune   LOCATION             (default --max-unused, 5 %, as restic's)
 *
 * The passphrase comes from CBS_REPO_PASSWORD; S3 keys from CBS_S3_ACCESS_KEY_ID and
 * CBS_S3_SECRET_ACCESS_KEY.
 */
import { backup, forget, initRepository, listSnapshots, openRepository, prune, restore } from '../src/repo/index.js';
import { openBackend, type OpenOptions } from '../src/storage/index.js';

const [op, location, dir] = process.argv.slice(2);
const passphrase = process.env['CBS_REPO_PASSWORD'] ?? '';
const s3: OpenOptions = process.env['CBS_S3_ACCESS_KEY_ID']
  ? { accessKeyId: process.env['CBS_S3_ACCESS_KEY_ID'], secretAccessKey: process.env['CBS_S3_SECRET_ACCESS_KEY'] ?? '', createBucket: op === 'init' }
  : {};

async function main(): Promise<unknown> {
  if (!op || !location) throw new Error('usage: engine-child.js init|open|backup|restore|snapshots|forget|prune LOCATION [DIR|IDS]');
  const backend = await openBackend(location, s3);
  try {
    switch (op) {
      case 'init':
        await initRepository(backend, { passphrase });
        return {};
      case 'open': {
        const repo = await openRepository(backend, { passphrase, skipIndex: true });
        return { snapshots: (await listSnapshots(repo)).length };
      }
      case 'backup': {
        const repo = await openRepository(backend, { passphrase });
        const r = await backup(repo, { sourceDir: dir!, parent: 'latest' });
        return { snapshot: r.snapshot.id, summary: { ...r.summary, errors: r.summary.errors.length } };
      }
      case 'restore': {
        const repo = await openRepository(backend, { passphrase });
        return { restore: await restore(repo, { snapshotId: 'latest', targetDir: dir! }) };
      }
      case 'snapshots': {
        const repo = await openRepository(backend, { passphrase, skipIndex: true });
        return { snapshots: (await listSnapshots(repo)).map((s) => s.id) };
      }
      case 'forget': {
        const repo = await openRepository(backend, { passphrase, skipIndex: true });
        return { removed: (await forget(repo, dir!.split(','))).removed.length };
      }
      case 'prune': {
        // prune loads the index itself (every copy of every blob), like `cbs repo prune`.
        const repo = await openRepository(backend, { passphrase, skipIndex: true });
        return { prune: await prune(repo) };
      }
      default:
        throw new Error(`unknown operation ${op}`);
    }
  } finally {
    await backend.close();
  }
}

main().then((r) => process.stdout.write(JSON.stringify(r) + '\n'), (e: unknown) => {
  process.stderr.write(`engine-child ${op}: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
