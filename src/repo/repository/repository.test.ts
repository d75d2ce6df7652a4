import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemBackend } from '../../storage/index.js';
import { isRepoError } from '../errors.js';
import { TEST_SCRYPT, testRepo } from '../testing/fixtures.js';
import { addKey, exportKey, importKey, initRepository, openRepository } from './index.js';

test('init refuses an existing repository; open needs a repository', async () => {
  const b = new MemBackend();
  await testRepo(b);
  await assert.rejects(testRepo(b), (e: unknown) => isRepoError(e, 'REPO_EXISTS'));
  await assert.rejects(openRepository(new MemBackend(), { passphrase: 'x' }), (e: unknown) => isRepoError(e, 'REPO_NOT_FOUND'));
});

test('blobs are stored once, load verified, and survive reopening', async () => {
  const b = new MemBackend();
  const repo = await testRepo(b);
  const a = await repo.saveBlob('data', Buffer.from('payload'));
  const again = await repo.saveBlob('data', Buffer.from('payload'));
  assert.equal(a.added, true);
  assert.equal(again.added, false);
  assert.ok(again.id.equals(a.id));
  await repo.flush();
  const r2 = await openRepository(b, { passphrase: 'test' });
  assert.equal((await r2.loadBlob(a.id)).toString(), 'payload');
  await assert.rejects(r2.loadBlob(Buffer.alloc(32)), /not in the index/);
});

test('a repository opens with any of its keys: passphrases, a KEK, a key export', async () => {
  const b = new MemBackend();
  const kek = Buffer.alloc(32, 8);
  const repo = await initRepository(b, { kek });
  await addKey(repo, { passphrase: 'second' }, TEST_SCRYPT);
  assert.equal((await openRepository(b, { kek })).id, repo.id);
  assert.equal((await openRepository(b, { passphrase: 'second' })).id, repo.id);
  await assert.rejects(openRepository(b, { kek: Buffer.alloc(32, 9) }), (e: unknown) => isRepoError(e, 'REPO_WRONG_KEY'));
  const exported = exportKey(repo);
  await importKey(b, exported, { passphrase: 'recovered' }, TEST_SCRYPT);
  assert.equal((await openRepository(b, { passphrase: 'recovered' })).id, repo.id);
  const other = await testRepo(new MemBackend());
  await assert.rejects(openRepository(b, { keyExport: exportKey(other) }), (e: unknown) => isRepoError(e, 'REPO_WRONG_KEY'));
});

test('a failing pack upload fails flush loudly instead of losing data', async () => {
  const b = new MemBackend();
  const repo = await testRepo(b);
  const put = b.put.bind(b);
  b.put = async (key, data) => {
    if (key.startsWith('data/')) throw new Error('disk full');
    return put(key, data);
  };
  await repo.saveBlob('data', Buffer.from('x'));
  await assert.rejects(repo.flush(), /disk full/);
});
