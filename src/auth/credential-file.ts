import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Credential files (the CLI's credentials.json, an agent's credentials): JSON, mode
 * 0600 in a directory created 0700, replaced atomically (a temp file renamed over it),
 * so a reader never sees half a file and nobody else can read it.
 */
export async function writeCredentialFile(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(value, null, 2) + '\n', { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
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
