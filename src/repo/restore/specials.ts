import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { linkSync, unlinkSync } from 'node:fs';
import { promisify } from 'node:util';
import { childPathAt, pathAt } from '../fsat/index.js';
import { nameBytes, type TreeNode } from '../tree/index.js';

const run = promisify(execFile);

/** Why a special file was not re-created, or undefined when it can be. */
export function specialSkipReason(n: TreeNode, asRoot: boolean): string | undefined {
  switch (n.special) {
    case 'fifo': return undefined;
    case 'char':
    case 'block': return asRoot ? (n.rdev === undefined ? 'device without a device number' : undefined) : 'device nodes are re-created only when restoring as root';
    case 'socket': return 'sockets cannot be restored (a socket exists only while its server runs)';
    case undefined: return 'special file of unrecorded kind (backed up before kinds were recorded)';
    default: {
      const never: never = n.special;
      return `unknown special kind ${String(never)}`;
    }
  }
}

/** Linux's encoding of st_rdev (glibc gnu_dev_major / gnu_dev_minor). */
export function majorMinor(rdev: string): [string, string] {
  const d = BigInt(rdev);
  const major = ((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn);
  const minor = (d & 0xffn) | ((d >> 12n) & ~0xffn);
  return [major.toString(), minor.toString()];
}

/**
 * Creates a FIFO or device node `name` in `dirFd` with the node's permission bits.
 * Node has no mkfifo/mknod: coreutils' are run on a fresh ASCII name inside the same
 * held directory (command lines are text, names are bytes), which is then linked to
 * the real name (link fails rather than replace) and removed.
 */
export async function createSpecialAt(dirFd: number, n: TreeNode): Promise<void> {
  const tmp = Buffer.from(`.cbs-special-${randomBytes(8).toString('hex')}`);
  const target = childPathAt(dirFd, tmp).toString();
  const mode = (n.mode & 0o777).toString(8);
  if (n.special === 'fifo') {
    await run('mkfifo', ['-m', mode, '--', target]);
  } else {
    const [major, minor] = majorMinor(n.rdev!);
    await run('mknod', ['-m', mode, '--', target, n.special === 'char' ? 'c' : 'b', major, minor]);
  }
  try {
    linkSync(pathAt(dirFd, tmp), pathAt(dirFd, nameBytes(n.name)));
  } finally {
    unlinkSync(pathAt(dirFd, tmp));
  }
}
