import { readFile } from 'node:fs/promises';
import { initRepository, openRepository, type Repository } from '../repo/index.js';
import { openBackend, StorageError, type Backend, type OpenOptions } from '../storage/index.js';
import { cliEnvironment, quietAwsSdkNodeWarning } from '../config/index.js';
import { CliError } from './output.js';
import type { RepoFlags } from './repo-options.js';

/**
 * Opening a repository for `cbs repo`: the backend a location names, with its storage
 * options, and the secret (passphrase or key export). Loaded only when a repo command
 * runs, so other commands do not pay for the engine and the S3 SDK at start-up.
 */

export async function readSecretFile(file: string, what: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${what} file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const first = text.split(/\r?\n/)[0] ?? '';
  if (first === '') throw new CliError(`${what} file ${file} is empty`);
  return first;
}

export function repoLocation(o: RepoFlags): string {
  const loc = o.repo ?? cliEnvironment().repo;
  if (!loc) throw new CliError('no repository given: pass --repo LOCATION or set CBS_REPO');
  return loc;
}

export async function backendFor(o: RepoFlags, extra: OpenOptions = {}): Promise<Backend> {
  const env = cliEnvironment();
  const secret = o.s3SecretFile ? await readSecretFile(o.s3SecretFile, 'S3 secret') : env.s3SecretAccessKey;
  const accessKeyId = o.s3AccessKeyId ?? env.s3AccessKeyId;
  if ((secret === undefined) !== (accessKeyId === undefined)) {
    throw new CliError('give both the S3 access key id and its secret, or neither (to use the AWS SDK default chain)');
  }
  const region = o.s3Region ?? env.s3Region;
  const opts: OpenOptions = {
    ...extra,
    ...(region ? { region } : {}),
    ...(accessKeyId && secret ? { accessKeyId, secretAccessKey: secret } : {}),
    ...(o.s3Profile ? { profile: o.s3Profile } : {}),
    ...(o.s3PathStyle === false ? { forcePathStyle: false } : {}),
  };
  quietAwsSdkNodeWarning();
  return openBackend(repoLocation(o), opts);
}

/** The passphrase from --password-file, CBS_REPO_PASSWORD_FILE or CBS_REPO_PASSWORD. */
export async function passphrase(o: RepoFlags): Promise<string | undefined> {
  const env = cliEnvironment();
  const file = o.passwordFile ?? env.repoPasswordFile;
  if (file) return readSecretFile(file, 'password');
  return env.repoPassword;
}

async function keyExport(o: RepoFlags): Promise<string | undefined> {
  const file = o.keyFile ?? cliEnvironment().repoKeyFile;
  return file ? readSecretFile(file, 'key') : undefined;
}

/** Opens the repository; the caller closes `repo.backend`. */
export async function openRepo(o: RepoFlags, opts: { skipIndex?: boolean } = {}): Promise<Repository> {
  const key = await keyExport(o);
  const pass = key === undefined ? await passphrase(o) : undefined;
  if (key === undefined && pass === undefined) {
    throw new CliError('no key given: use --password-file FILE, CBS_REPO_PASSWORD, or --key-file FILE');
  }
  const backend = await backendFor(o);
  try {
    return await openRepository(backend, { ...(key !== undefined ? { keyExport: key } : { passphrase: pass! }), skipIndex: opts.skipIndex ?? false });
  } catch (e) {
    await backend.close();
    throw e;
  }
}

export async function createRepo(o: RepoFlags, createBucket: boolean): Promise<Repository> {
  const pass = await passphrase(o);
  if (pass === undefined) throw new CliError('a new repository needs a passphrase: use --password-file FILE or CBS_REPO_PASSWORD');
  const backend = await backendFor(o, { createBucket });
  try {
    return await initRepository(backend, { passphrase: pass });
  } catch (e) {
    await backend.close();
    throw e;
  }
}

/** Runs `fn` on an open repository and closes its backend however `fn` ends. */
export async function withRepo<T>(repo: Repository, fn: (r: Repository) => Promise<T>): Promise<T> {
  try {
    return await fn(repo);
  } finally {
    await repo.backend.close();
  }
}

/**
 * Storage errors carry a kind rather than a code; name it so the one-line error
 * still says what failed (e.g. a permanent error is bad credentials or no bucket).
 */
export function explainStorage(e: unknown): unknown {
  if (!(e instanceof StorageError)) return e;
  const out = new CliError(`storage ${e.kind}: ${e.message}`);
  out.stack = e.stack; // CBS_DEBUG=1 shows where the storage call failed
  return out;
}
