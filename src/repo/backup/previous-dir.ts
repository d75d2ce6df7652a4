import type { Repository } from '../repository/index.js';
import { nameBytes, readDir, type TreeNode } from '../tree/index.js';
import type { BackupReport } from './backup-report.js';

/**
 * The previous snapshot's listing of a directory, read alongside the walk: both are
 * in name-byte order, so finding each entry's previous node is a merge, one chunk in
 * memory at a time. A listing that cannot be read only costs re-reading files; it is
 * reported once and treated as absent from there on.
 */
export class PreviousDir {
  private readonly it: AsyncGenerator<TreeNode>;
  private cur: TreeNode | undefined;
  /** `cur`'s name bytes as a latin1 string: compares with `<` in byte order. */
  private curKey = '';
  private done = false;
  private started = false;

  constructor(repo: Repository, id: string, private readonly where: string, private readonly report: BackupReport) {
    this.it = readDir((t) => repo.loadBlob(Buffer.from(t, 'hex')), id, where);
  }

  /** The previous node named by `latin1` (name bytes as latin1); names must be asked in increasing order. */
  async find(latin1: string): Promise<TreeNode | undefined> {
    if (!this.started) {
      this.started = true;
      await this.advance();
    }
    while (this.cur !== undefined && this.curKey < latin1) await this.advance();
    return this.cur !== undefined && this.curKey === latin1 ? this.cur : undefined;
  }

  private async advance(): Promise<void> {
    if (this.done) return;
    try {
      const r = await this.it.next();
      if (r.done) {
        this.done = true;
        this.cur = undefined;
        return;
      }
      this.cur = r.value;
      this.curKey = nameBytes(r.value.name).toString('latin1');
    } catch (e) {
      this.done = true;
      this.cur = undefined;
      this.report.error(this.where || '/', `previous listing unreadable, files re-read: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
