import { chmod, mkdir, readFile, stat } from 'node:fs/promises';

/**
 * Files and directories that only the service's user may read: its state directory,
 * credentials, key-encryption key and token secret. Everything is created 0600 / 0700
 * (the umask can only narrow that); an existing one that is readable by others is
 * tightened, or refused with a message that says what to do when it cannot be.
 */

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/** Why the service refuses to use a path or a secret: the message says what to do. */
export class PrivateFileError extends Error {
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'PrivateFileError';
  }
}

const octal = (mode: number): string => (mode & 0o7777).toString(8).padStart(4, '0');

/**
 * Creates `dir` (and missing parents) 0700, or tightens an existing one that group or
 * others can reach to 0700. Returns a note for the log when it tightened; throws
 * PrivateFileError when it is not a directory or cannot be tightened (another owner,
 * a read-only mount).
 */
export async function ensurePrivateDir(dir: string, what: string): Promise<string | undefined> {
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
  const st = await stat(dir);
  if (!st.isDirectory()) throw new PrivateFileError(`${what} ${dir} is not a directory`);
  return tighten(dir, st.mode, DIR_MODE, what);
}

async function tighten(path: string, mode: number, want: number, what: string): Promise<string | undefined> {
  if ((mode & 0o077) === 0) return undefined;
  try {
    await chmod(path, mode & want & 0o7777);
  } catch (e) {
    throw new PrivateFileError(`${what} ${path} is open to other users (mode ${octal(mode)}) and cannot be made private `
      + `(${(e as NodeJS.ErrnoException).code ?? String(e)}): chmod ${want.toString(8)} it, or run the service as its owner`, { cause: e });
  }
  return `${what} ${path} was open to other users (mode ${octal(mode)}); tightened to ${octal(mode & want)}`;
}

/**
 * The text of a private file, or undefined when it does not exist. A file readable by
 * group or others is tightened to 0600 first (the note is passed to `onNote`); one
 * that cannot be tightened is refused.
 */
export async function readPrivateFile(path: string, what: string, onNote?: (note: string) => void): Promise<string | undefined> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  if (!st.isFile()) throw new PrivateFileError(`${what} ${path} is not a regular file`);
  const note = await tighten(path, st.mode, FILE_MODE, what);
  if (note !== undefined) onNote?.(note);
  return readFile(path, 'utf8');
}

export { createPrivateFileExclusive, renameDurably, writePrivateFile } from '../auth/index.js';
