import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Private files: credentials (the CLI's credentials.json, an agent's credentials), the
 * key-encryption key, the token secret. Mode 0600 in directories created 0700, written
 * to a synced temp file and renamed over the old one (then the directory synced), so a
 * reader never sees half a file, nobody else can read it, and it survives a power loss.
 */
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/** Writes `text` to a temp file (0600, synced) beside `path`; returns the temp file's name. */
async function writeTemp(path: string, text: string): Promise<string> {
  await mkdir(dirname(path), { recursive: true, mode: DIR_MODE });
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', FILE_MODE);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return tmp;
}

async function syncDirectory(dir: string): Promise<void> {
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}

/** Renames `from` over `to` and syncs the directory, so the new name survives a power loss. */
export async function renameDurably(from: string, to: string): Promise<void> {
  await rename(from, to);
  await syncDirectory(dirname(to));
}

/** Replaces `path` atomically with a 0600 file holding `text` (temp file, fsync, rename, fsync of the directory). */
export async function writePrivateFile(path: string, text: string): Promise<void> {
  const tmp = await writeTemp(path, text);
  try {
    await renameDurably(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}

/**
 * Creates `path` as a 0600 file holding `text` only if it does not exist yet (the
 * complete file appears at once: hard link of a synced temp file). Returns false when
 * another writer was first; its file is then the one to read.
 */
export async function createPrivateFileExclusive(path: string, text: string): Promise<boolean> {
  const tmp = await writeTemp(path, text);
  try {
    await link(tmp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  await syncDirectory(dirname(path));
  return true;
}

/** A credential file: `value` as JSON in a private file. */
export async function writeCredentialFile(path: string, value: unknown): Promise<void> {
  await writePrivateFile(path, JSON.stringify(value, null, 2) + '\n');
}

/** The file's JSON with each of `fields` a non-empty string; undefined when the file does not exist. */
export async function readCredentialFile<K extends string>(path: string, fields: readonly K[]): Promise<Record<K, string> | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const c = JSON.parse(text) as Partial<Record<K, unknown>>;
  for (const k of fields) {
    if (typeof c[k] !== 'string' || c[k] === '') throw new Error(`${path}: field "${k}" is missing`);
  }
  return c as Record<K, string>;
}
