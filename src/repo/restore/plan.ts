import { IntegrityError, RepoError } from '../errors.js';
import type { Repository } from '../repository/index.js';
import { readDir, type TreeNode } from '../tree/index.js';
import { assertSafeName, splitSnapshotPath } from './safe-name.js';

/** The directory `parent` of a planned entry: an index into `plan.dirs`, or ROOT for the target itself. */
export const ROOT = -1;

export interface PlannedNode {
  /** Index of the parent directory in `plan.dirs`, or ROOT. */
  readonly parent: number;
  /** The entry's name (escaped form), checked by assertSafeName. */
  readonly name: string;
  /** Snapshot path `/a/b`, escaped form, for messages and progress. */
  readonly path: string;
  readonly node: TreeNode;
}

export interface RestorePlan {
  /** Directories, parents before children. */
  readonly dirs: PlannedNode[];
  readonly files: PlannedNode[];
  readonly symlinks: PlannedNode[];
  /** Files to create as hard links to an earlier planned file with the same key. */
  readonly links: { readonly entry: PlannedNode; readonly to: PlannedNode }[];
  /** FIFOs, sockets and devices. */
  readonly specials: PlannedNode[];
  bytes: number;
}

/**
 * Walks the snapshot's trees and lists what to restore. Every name is checked and
 * names must be unique within a directory before anything is written, so a hostile
 * snapshot is refused as a whole.
 */
export async function planRestore(repo: Repository, rootTree: string, include: readonly string[] | undefined): Promise<RestorePlan> {
  const plan: RestorePlan = { dirs: [], files: [], symlinks: [], links: [], specials: [], bytes: 0 };
  const includes = include?.map(splitSnapshotPath);
  const linkFirst = new Map<string, PlannedNode>();
  const load = (id: string): Promise<Buffer> => repo.loadBlob(Buffer.from(id, 'hex'));
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
  const longest = Math.max(0, ...(includes ?? []).map((i) => i.length));
  // Iterative (an explicit stack): a snapshot may nest deeper than the call stack.
  const stack: { tree: string; parts: readonly string[]; parent: number; rel: 'inside' | 'along' }[] = [{ tree: rootTree, parts: [], parent: ROOT, rel: 'along' }];
  while (stack.length > 0) {
    const { tree, parts, parent, rel: parentRel } = stack.pop()!;
    const where = '/' + parts.join('/');
    const seen = new Set<string>();
    const subdirs: typeof stack = [];
    for await (const node of readDir(load, tree, where)) {
      assertSafeName(node.name, where);
      if (seen.has(node.name)) throw new RepoError('REPO_UNSAFE_PATH', `duplicate name ${JSON.stringify(node.name)} in ${where}`, { object: `${where}/${node.name}` });
      seen.add(node.name);
      const p = [...parts, node.name];
      const rel = parentRel === 'inside' ? 'inside' : relation(p);
      if (rel === 'outside') continue;
      if (includes && p.length <= longest) includes.forEach((inc, i) => { if (inc.length === p.length && inc.every((x, k) => x === p[k])) found.add(i); });
      const entry: PlannedNode = { parent, name: node.name, path: parts.length ? `${where}/${node.name}` : `/${node.name}`, node };
      switch (node.type) {
        case 'dir':
          plan.dirs.push(entry);
          subdirs.push({ tree: node.subtree!, parts: p, parent: plan.dirs.length - 1, rel });
          break;
        case 'file':
          if (rel !== 'inside') break;
          if (node.hardlink !== undefined && linkFirst.has(node.hardlink)) {
            plan.links.push({ entry, to: linkFirst.get(node.hardlink)! });
          } else {
            if (node.hardlink !== undefined) linkFirst.set(node.hardlink, entry);
            plan.files.push(entry);
            plan.bytes += node.size;
          }
          break;
        case 'symlink':
          if (rel === 'inside') plan.symlinks.push(entry);
          break;
        case 'other':
          if (rel === 'inside') plan.specials.push(entry);
          break;
        default: {
          const never: never = node.type;
          throw new IntegrityError(`tree ${tree}`, `unknown node type ${String(never)}`);
        }
      }
    }
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]!);
  }
  if (includes) {
    includes.forEach((inc, i) => {
      if (inc.length > 0 && !found.has(i)) throw new RepoError('REPO_PATH_NOT_FOUND', `path /${inc.join('/')} is not in the snapshot`, { object: '/' + inc.join('/') });
    });
  }
  return plan;
}
