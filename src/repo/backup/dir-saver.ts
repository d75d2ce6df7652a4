import { TreeWriter, type TreeNode } from '../tree/index.js';

/** Entries of one directory awaited in the walk before more are queued. */
const MAX_QUEUED = 4096;

/**
 * Collects the nodes of one directory, in order, as their promises settle (a file's
 * node settles once a worker has stored its content) and streams them into a
 * TreeWriter. The walk is held back only when MAX_QUEUED entries are outstanding, so
 * a directory of a million entries costs bounded memory.
 */
export class DirSaver {
  private readonly queue: Promise<TreeNode | undefined>[] = [];
  private readonly writer: TreeWriter;

  /**
   * @param save stores a tree blob, returns its id
   * @param beforeWait sends work still held back (the batcher's open batch), so the entry awaited can complete
   */
  constructor(save: (plaintext: Buffer) => Promise<string>, where: string, private readonly beforeWait: () => Promise<void>) {
    this.writer = new TreeWriter(save, where);
  }

  async push(node: Promise<TreeNode | undefined>): Promise<void> {
    this.queue.push(node);
    if (this.queue.length < MAX_QUEUED) return;
    await this.beforeWait();
    while (this.queue.length >= MAX_QUEUED / 2) await this.take();
  }

  /** Resolves to the directory's tree id once every entry has settled and been written. */
  async finish(): Promise<string> {
    while (this.queue.length > 0) await this.take();
    return this.writer.finish();
  }

  private async take(): Promise<void> {
    const n = await this.queue.shift()!;
    if (n !== undefined) await this.writer.add(n);
  }
}
