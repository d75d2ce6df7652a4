/**
 * A backup in a process of its own, for the crash-safety test to kill. It prints
 * `ready` once the repository is open (so the test's random delay spans the backup
 * itself, not start-up), then backs up and prints `done <snapshot id>`.
 *
 *   node crash-child.js local:REPO_DIR SOURCE_DIR PACK_SIZE
 *
 * PACK_SIZE overrides the pack target of this writer only (the format lets a writer
 * choose; readers take any size): small packs mean many uploads in a small backup,
 * so a kill can land between them. The passphrase comes from CBS_REPO_PASSWORD.
 */
import { backup, openRepository, Repository } from '../../src/repo/index.js';
// The local backend alone: loading the S3 SDK would add a second to every one of the 20 starts.
import { LocalBackend } from '../../src/storage/local/local-backend.js';

const [location, source, packSize] = process.argv.slice(2);
const backend = new LocalBackend(location!.replace(/^local:/, ''));
const opened = await openRepository(backend, { passphrase: process.env['CBS_REPO_PASSWORD'] ?? '', skipIndex: true });
const repo = new Repository(backend, { ...opened.config, packSize: Number(packSize) }, opened.master);
await repo.loadIndex();
process.stdout.write('ready\n');
const r = await backup(repo, { sourceDir: source!, parent: 'latest', workers: 2 });
process.stdout.write(`done ${r.snapshot.id}\n`);
await backend.close();
