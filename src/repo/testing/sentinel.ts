import { lstat, readdir } from 'node:fs/promises';
import { escapeName } from '../tree/index.js';

/**
 * A directory's full listing with what any write would change (type, mode, size,
 * mtime and ctime in ns, inode), keyed by escaped relative path. Equal listings
 * before and after a restore prove nothing under the directory was written.
 */
export async function sentinelListing(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (dir: Buffer, rel: string): Promise<void> => {
    const st = await lstat(dir, { bigint: true });
    out.set(rel || '.', `${st.mode.toString(8)} ${st.size} ${st.mtimeNs} ${st.ctimeNs} ${st.ino}`);
    if (!st.isDirectory()) return;
    for (const name of (await readdir(dir, { encoding: 'buffer' })).sort(Buffer.compare)) {
      await walk(Buffer.concat([dir, Buffer.from('/'), name]), rel ? `${rel}/${escapeName(name)}` : escapeName(name));
    }
  };
  await walk(Buffer.from(root), '');
  return out;
}
