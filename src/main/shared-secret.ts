import { createHmac, randomBytes } from 'node:crypto';
import type { JobStore } from '../store/job-store.js';
import { createPrivateFileExclusive, PrivateFileError, readPrivateFile, renameDurably, writePrivateFile } from './private-files.js';

/**
 * A secret every control-plane instance of one store must share but that must not
 * live in that store (the key-encryption key, the token-signing secret): a 0600 file
 * beside the database, the same file given to every instance. The store keeps only a
 * check value (an HMAC keyed by the secret, which reveals nothing of it) so an
 * instance given the wrong file, or none, refuses to start instead of making a new
 * secret that would not open what the store holds.
 *
 * File format: the secret's bytes in base64 on one line.
 */
export interface SharedSecretSpec {
  /** For messages: "key-encryption key". */
  what: string;
  file: string;
  /** The setting that names the file, for messages: "CBS_KEK_FILE". */
  fileSetting: string;
  /** Length of the secret, bytes. */
  bytes: number;
  /** Where earlier versions kept the secret, in the store's settings; moved to the file, then removed. */
  legacySetting: string;
  /** The store's check value of the secret. */
  checkSetting: string;
  /** Whether the store already holds values only an existing secret opens: then a new one is never made. */
  inUse?(): Promise<boolean>;
  /** Whether this secret opens what the store holds; asked when the store has values but no check value yet. */
  opens?(secret: Buffer): Promise<boolean>;
  /** Notes for the log: a file created, moved out of the store, tightened. */
  onNote?(note: string): void;
}

export type SecretSettingsStore = Pick<JobStore, 'getSetting' | 'initSetting' | 'deleteSetting'>;

/** The check value of a secret: HMAC-SHA256 keyed by it, over a label. */
export function checkValueOf(secret: Buffer, label: string): string {
  return `v1.${createHmac('sha256', secret).update(`opencbs secret check\0${label}`).digest('base64url')}`;
}

export function pendingFileOf(file: string): string {
  return `${file}.new`;
}

function encode(secret: Buffer): string {
  return `${secret.toString('base64')}\n`;
}

function decode(text: string, where: string, bytes: number): Buffer {
  const t = text.trim();
  const b = Buffer.from(t, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(t) || b.length !== bytes) {
    throw new PrivateFileError(`${where} does not hold ${bytes} bytes in base64`);
  }
  return b;
}

async function readSecret(file: string, spec: SharedSecretSpec): Promise<Buffer | undefined> {
  const text = await readPrivateFile(file, `${spec.what} file`, spec.onNote);
  return text === undefined ? undefined : decode(text, `${spec.what} file ${file}`, spec.bytes);
}

/** Creates the file with `secret` unless another process was first; returns the secret the file holds. */
async function publish(spec: SharedSecretSpec, secret: Buffer): Promise<Buffer> {
  if (await createPrivateFileExclusive(spec.file, encode(secret))) return secret;
  const theirs = await readSecret(spec.file, spec);
  if (theirs === undefined) throw new PrivateFileError(`${spec.what} file ${spec.file} vanished while it was being created`);
  return theirs;
}

/**
 * The secret, from its file; on the first start of a store the file is created. An
 * install whose store still holds the secret in its settings has it moved to the file
 * (written and synced first, removed from the store last, so a crash in between loses
 * nothing). Throws PrivateFileError, with what to do, when the file is missing or is
 * not the store's.
 */
export async function loadSharedSecret(store: SecretSettingsStore, spec: SharedSecretSpec): Promise<Buffer> {
  const legacyText = await store.getSetting(spec.legacySetting);
  const legacy = legacyText === undefined ? undefined : decode(legacyText, `setting ${spec.legacySetting}`, spec.bytes);
  let secret = await readSecret(spec.file, spec);
  if (secret === undefined) {
    if (legacy !== undefined) {
      secret = await publish(spec, legacy);
      spec.onNote?.(`${spec.what} moved from the store's settings to ${spec.file}: back it up, apart from the database`);
    } else {
      if ((await store.getSetting(spec.checkSetting)) !== undefined || (await spec.inUse?.()) === true) {
        throw new PrivateFileError(`${spec.what} file ${spec.file} does not exist, but this store was set up with a ${spec.what}: `
          + `give this server the ${spec.what} file of the other instances of this store (${spec.fileSetting}), or restore it from your backup. `
          + `A new ${spec.what} would not match, so none is made.`);
      }
      secret = await publish(spec, randomBytes(spec.bytes));
      spec.onNote?.(`${spec.what} created in ${spec.file}: back it up, apart from the database`);
    }
  }
  if (legacy !== undefined && !legacy.equals(secret)) {
    throw new PrivateFileError(`${spec.what} file ${spec.file} differs from the ${spec.what} this store still holds in its settings `
      + `(${spec.legacySetting}, kept there by earlier versions): move or remove the file, then start again to have the store's ${spec.what} moved into it.`);
  }
  const want = checkValueOf(secret, spec.checkSetting);
  let stored = await store.getSetting(spec.checkSetting);
  if (stored === undefined) {
    if (legacy === undefined && spec.opens !== undefined && (await spec.inUse?.()) === true && !(await spec.opens(secret))) {
      throw mismatch(spec);
    }
    // First writer wins: of two instances started at once with different files, the second refuses.
    stored = await store.initSetting(spec.checkSetting, want);
  }
  if (stored !== want) {
    // A replacement (rotation) committed to the store whose file was not yet renamed into place: finish it.
    const pending = await readSecret(pendingFileOf(spec.file), spec);
    if (pending === undefined || checkValueOf(pending, spec.checkSetting) !== stored) throw mismatch(spec);
    await renameDurably(pendingFileOf(spec.file), spec.file);
    spec.onNote?.(`${spec.what}: finished an interrupted replacement (${pendingFileOf(spec.file)} → ${spec.file})`);
    secret = pending;
  }
  // Purged, not only deleted: the database's files must keep no copy of it.
  if (legacy !== undefined) await store.deleteSetting(spec.legacySetting, { purge: true });
  return secret;
}

function mismatch(spec: SharedSecretSpec): PrivateFileError {
  return new PrivateFileError(`${spec.what} in ${spec.file} is not the one this store was set up with: `
    + `give this server the ${spec.what} file of the other instances of this store (${spec.fileSetting}).`);
}

/**
 * Replaces the secret: a new one is written to `<file>.new`, `commit` records its
 * check value in the store (together with whatever the new secret changes there), and
 * the file is renamed into place. A crash after the commit is finished by the next
 * loadSharedSecret; `<file>.new` is never removed on failure, since the store may
 * already depend on it.
 */
export async function replaceSharedSecret(
  spec: Pick<SharedSecretSpec, 'file' | 'bytes' | 'checkSetting'>,
  commit: (next: Buffer, checkValue: string) => Promise<void>,
): Promise<Buffer> {
  const next = randomBytes(spec.bytes);
  const pending = pendingFileOf(spec.file);
  await writePrivateFile(pending, encode(next));
  await commit(next, checkValueOf(next, spec.checkSetting));
  await renameDurably(pending, spec.file);
  return next;
}
