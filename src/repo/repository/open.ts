import { randomBytes } from 'node:crypto';
import type { Backend } from '../../storage/backend.js';
import { isNotFound } from '../../storage/backend.js';
import {
  createKeyFile, DEFAULT_SCRYPT, exportMasterKey, generateMasterKey, importMasterKey, sha256, unwrapKeyFile,
  type KeySecret, type MasterKey, type ScryptParams,
} from '../crypto/index.js';
import { RepoError, isRepoError } from '../errors.js';
import { decodeSealedPayload, encodePayload } from '../pack/index.js';
import { newConfig, validateConfig, type RepoConfig } from './config.js';
import { Repository } from './repository.js';

export interface InitOptions {
  readonly passphrase?: string;
  /** 32-byte key-encryption key, instead of a passphrase. */
  readonly kek?: Buffer;
  /** @default DEFAULT_SCRYPT (N=32768, r=8, p=1) */
  readonly scryptParams?: ScryptParams;
  /** Fixed chunker seed, for repeatable tests only. @default random */
  readonly chunkerSeed?: Buffer;
}

export interface OpenOptions {
  readonly passphrase?: string;
  readonly kek?: Buffer;
  /** A key export (see exportKey); opens without any key file. */
  readonly keyExport?: string;
  /** Skip loading the index (for operations that only read snapshots). @default false */
  readonly skipIndex?: boolean;
}

function secretOf(o: { passphrase?: string; kek?: Buffer }): KeySecret {
  if (o.passphrase !== undefined && o.kek !== undefined) throw new RepoError('REPO_WRONG_KEY', 'give a passphrase or a key-encryption key, not both');
  if (o.passphrase !== undefined) return { passphrase: o.passphrase };
  if (o.kek !== undefined) return { kek: o.kek };
  throw new RepoError('REPO_WRONG_KEY', 'a passphrase, a key-encryption key or a key export is required');
}

async function writeKeyFile(backend: Backend, master: MasterKey, secret: KeySecret, scrypt: ScryptParams): Promise<string> {
  const bytes = await createKeyFile(master, secret, scrypt);
  const id = sha256(bytes).toString('hex');
  await backend.put(`keys/${id}`, bytes);
  return id;
}

/** Creates a new repository in an empty location. Write order: key file, then config. */
export async function initRepository(backend: Backend, opts: InitOptions): Promise<Repository> {
  const secret = secretOf(opts);
  try {
    await backend.stat('config');
    throw new RepoError('REPO_EXISTS', `a repository already exists at ${backend.location}`, { object: 'config' });
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  const master = generateMasterKey(opts.chunkerSeed);
  const config = newConfig(randomBytes(32).toString('hex'));
  await writeKeyFile(backend, master, secret, opts.scryptParams ?? DEFAULT_SCRYPT);
  await backend.put('config', encodePayload(master.encKey, 'config', Buffer.from(JSON.stringify(config))));
  return new Repository(backend, config, master);
}

async function findMasterKey(backend: Backend, secret: KeySecret): Promise<MasterKey> {
  for await (const o of backend.list('keys/')) {
    const m = await unwrapKeyFile(await backend.get(o.key), secret, o.key);
    if (m) return m;
  }
  throw new RepoError('REPO_WRONG_KEY', `no key file of ${backend.location} opens with the given ${'passphrase' in secret ? 'passphrase' : 'key-encryption key'}`);
}

/** Opens a repository: finds a key file the secret unwraps, reads the config, loads the index. */
export async function openRepository(backend: Backend, opts: OpenOptions): Promise<Repository> {
  let sealedConfig: Buffer;
  try {
    sealedConfig = await backend.get('config');
  } catch (e) {
    if (isNotFound(e)) throw new RepoError('REPO_NOT_FOUND', `no repository at ${backend.location}`, { object: 'config', cause: e });
    throw e;
  }
  let master: MasterKey;
  let expectId: string | undefined;
  if (opts.keyExport !== undefined) {
    const imp = importMasterKey(opts.keyExport);
    master = imp.master;
    expectId = imp.repositoryId;
  } else {
    master = await findMasterKey(backend, secretOf(opts));
  }
  let config: RepoConfig;
  try {
    config = validateConfig(JSON.parse(decodeSealedPayload(master.encKey, 'config', sealedConfig, 'config').toString('utf8')) as RepoConfig);
  } catch (e) {
    if (expectId !== undefined && isRepoError(e, 'REPO_INTEGRITY')) throw new RepoError('REPO_WRONG_KEY', 'the key export does not belong to this repository', { cause: e });
    throw e;
  }
  if (expectId !== undefined && expectId !== config.id) throw new RepoError('REPO_WRONG_KEY', 'the key export names another repository');
  const repo = new Repository(backend, config, master);
  if (!opts.skipIndex) await repo.loadIndex();
  return repo;
}

/** The master key of an open repository as a key export string (keep it secret). */
export function exportKey(repo: Repository): string {
  return exportMasterKey(repo.master, repo.id);
}

/** Adds a key file so the repository also opens with `secret`; returns the key file id. */
export async function addKey(repo: Repository, secret: { passphrase?: string; kek?: Buffer }, scryptParams: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  return writeKeyFile(repo.backend, repo.master, secretOf(secret), scryptParams);
}

/** Writes a key file for a repository reachable only through a key export (recovery of a lost passphrase). */
export async function importKey(backend: Backend, keyExport: string, secret: { passphrase?: string; kek?: Buffer }, scryptParams: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const repo = await openRepository(backend, { keyExport, skipIndex: true });
  return addKey(repo, secret, scryptParams);
}
