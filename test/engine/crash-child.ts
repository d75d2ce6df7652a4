/**
 * A backup in a process of its own that kills itself with SIGKILL at a hook: at the
 * KILL_AT-th upload of a pack (`data/…` put), before it starts, while it is being
 * written, or right after it is stored. It prints `ready` once the repository is open,
 * then backs up and prints `done <snapshot id>` if the hook never came.
 *
 *   node crash-child.js local:REPO_DIR SOURCE_DIR PACK_SIZE KILL_AT before|during|after
 *
 * PACK_SIZE overrides the pack target of this writer only (the format lets a writer
 * choose; readers take any size): small packs mean many uploads in a small backup,
 * so a kill can land between them. The passphrase comes from CBS_REPO_PASSWORD.
 */
import { backup, openRepository, Repository } from '../../src/repo/index.js';
// The local backend alone: loading the S3 SDK would add a second to every one of the 20 starts.
import { LocalBackend } from '../../src/storage/local/local-backend.js';

const [location, source, packSize, killAt, when] = process.argv.slice(2);
const die = (): never => {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
};

/** The local backend with the kill hook on pack uploads. */
class KillingBackend extends LocalBackend {
  private packs = 0;

  override async put(key: string, data: Uint8Array): Promise<void> {
    if (!key.startsWith('data/') || ++this.packs !== Number(killAt)) return super.put(key, data);
    if (when === 'before') die();
    const stored = super.put(key, data);
    if (when === 'during') {
      // Let the write get under way (its temporary file opened and partly written), then die.
      await new Promise((r) => setImmediate(r));
      die();
    }
    await stored;
    die();
  }
}

const backend = new KillingBackend(location!.replace(/^local:/, ''));
const opened = await openRepository(backend, { passphrase: process.env['CBS_REPO_PASSWORD'] ?? '', skipIndex: true });
const repo = new Repository(backend, { ...opened.config, packSize: Number(packSize) }, opened.master);
await repo.loadIndex();
process.stdout.write('ready\n');
const r = await backup(repo, { sourceDir: source!, parent: 'latest', workers: 2 });
process.stdout.write(`done ${r.snapshot.id}\n`);
await backend.close();
