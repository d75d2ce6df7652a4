import { IntegrityError, RepoError } from '../errors.js';
import type { Repository } from '../repository/index.js';
import { decodeTree, type TreeNode } from '../tree/index.js';
import { assertSafeName, splitSnapshotPath } from './safe-name.js';

export interface PlannedNode {
  /** Path components below the target directory, each checked by assertSafeName. */
  readonly parts: readonly string[];
  readonly node: TreeNode;
}

export interface RestorePlan {
  /** Directories in pre-order (parents before children). */
  readonly dirs: PlannedNode[];
  readonly files: PlannedNode[];
  readonly symlinks: PlannedNode[];
  /** Files to create as hard links to an earlier planned file with the same key. */
  readonly links: { readonly entry: PlannedNode; readonly to: readonly string[] }[];
  readonly skipped: PlannedNode[];
  bytes: number;
}

/**
 * Walks the snapshot's trees and lists what to restore. Every name is checked and
 * names must be unique within a directory before anything is written, so a hostile
 * snapshot is refused as a whole.
 */
export async function planRestore(repo: Repository, rootTree: string, include: readonly string[] | undefined): Promise<RestorePlan> {
  const plan: RestorePlan = { dirs: [], files: [], symlinks: [], links: [], skipped: [], bytes: 0 };
  const includes = include?.map(splitSnapshotPath);
  const linkFirst = new Map<string, readonly string[]>();
  // inside: this path lies within an included path; along: it is an ancestor of one.
  const relation = (parts: readonly string[]): 'inside' | 'along' | 'outside' => {
    if (!includes || includes.some((inc) => inc.length === 0)) return 'inside';
    let along = false;
    for (const inc of includes) {
      const n = Math.min(inc.length, parts.length);
      let eq = true;
      for (let i = 0; i < n && eq; i++) eq = inc[i] === parts[i];
      if (!eq) continue;
      if (parts.length >= inc.length) return 'inside';
      along = true;
    }
    return along ? 'along' : 'outside';
  };
  const found = new Set<number>();
  const visit = async (treeId: string, parts: readonly string[]): Promise<void> => {
    const where = '/' + parts.join('/');
    const tree = decodeTree(await repo.loadBlob(Buffer.from(treeId, 'hex')), `tree ${treeId} (${where})`);
    const seen = new Set<string>();
    for (const node of tree.nodes) {
      assertSafeName(node.name, where);
      if (seen.has(node.name)) throw new RepoError('REPO_UNSAFE_PATH', `duplicate name ${JSON.stringify(node.name)} in ${where}`, { object: `${where}/${node.name}` });
      seen.add(node.name);
      const p = [...parts, node.name];
      const rel = relation(p);
      if (rel === 'outside') continue;
      if (includes) includes.forEach((inc, i) => { if (inc.length === p.length && inc.every((x, k) => x === p[k])) found.add(i); });
      switch (node.type) {
        case 'dir':
          plan.dirs.push({ parts: p, node });
          await visit(node.subtree!, p);
          break;
        case 'file':
          if (rel !== 'inside') break;
          if (node.hardlink !== undefined && linkFirst.has(node.hardlink)) {
            plan.links.push({ entry: { parts: p, node }, to: linkFirst.get(node.hardlink)! });
          } else {
            if (node.hardlink !== undefined) linkFirst.set(node.hardlink, p);
            plan.files.push({ parts: p, node });
            plan.bytes += node.size;
          }
          break;
        case 'symlink':
          if (rel === 'inside') plan.symlinks.push({ parts: p, node });
          break;
        case 'other':
          if (rel === 'inside') plan.skipped.push({ parts: p, node });
          break;
        default: {
          const never: never = node.type;
          throw new IntegrityError(`tree ${treeId}`, `unknown node type ${String(never)}`);
        }
      }
    }
  };
  await visit(rootTree, []);
  if (includes) {
    includes.forEach((inc, i) => {
      if (inc.length > 0 && !found.has(i)) throw new RepoError('REPO_PATH_NOT_FOUND', `path /${inc.join('/')} is not in the snapshot`, { object: '/' + inc.join('/') });
    });
  }
  return plan;
}
