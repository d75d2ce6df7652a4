import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRepoError } from '../errors.js';
import { createKeyFile, exportMasterKey, generateMasterKey, importMasterKey, open, seal, unwrapKeyFile } from './index.js';

const CHEAP = { N: 1024, r: 8, p: 1 };

test('seal/open round-trips and any flipped bit fails with an integrity error naming the object', () => {
  const key = Buffer.alloc(32, 5);
  const sealed = seal(key, 'snapshot', [Buffer.from('abc'), Buffer.from('def')]);
  assert.equal(open(key, 'snapshot', sealed, 'x').toString(), 'abcdef');
  for (let i = 0; i < sealed.length; i++) {
    const bad = Buffer.from(sealed);
    bad[i] ^= 1;
    assert.throws(() => open(key, 'snapshot', bad, 'snapshots/abc'), (e: unknown) => isRepoError(e, 'REPO_INTEGRITY') && e.object === 'snapshots/abc');
  }
  assert.throws(() => open(key, 'snapshot', sealed.subarray(0, 20), 'short'), /shorter than nonce and tag/);
  assert.throws(() => open(Buffer.alloc(32, 6), 'snapshot', sealed, 'wrong key'), /wrong key/);
});

test('two seals of the same plaintext differ (random nonces)', () => {
  const key = Buffer.alloc(32, 5);
  assert.notDeepEqual(seal(key, 'blob', [Buffer.from('same')]), seal(key, 'blob', [Buffer.from('same')]));
});

test('a passphrase key file opens with its passphrase only', async () => {
  const m = generateMasterKey();
  const file = await createKeyFile(m, { passphrase: 'correct horse' }, CHEAP);
  assert.deepEqual(await unwrapKeyFile(file, { passphrase: 'correct horse' }, 'k'), m);
  assert.equal(await unwrapKeyFile(file, { passphrase: 'wrong' }, 'k'), undefined);
  assert.equal(await unwrapKeyFile(file, { kek: Buffer.alloc(32) }, 'k'), undefined);
  const j = JSON.parse(file.toString()) as { scrypt: unknown };
  assert.deepEqual(j.scrypt, CHEAP, 'scrypt parameters are recorded in the key file');
});

test('a KEK key file opens with its KEK only', async () => {
  const m = generateMasterKey();
  const kek = Buffer.alloc(32, 1);
  const file = await createKeyFile(m, { kek });
  assert.deepEqual(await unwrapKeyFile(file, { kek }, 'k'), m);
  assert.equal(await unwrapKeyFile(file, { kek: Buffer.alloc(32, 2) }, 'k'), undefined);
  await assert.rejects(createKeyFile(m, { kek: Buffer.alloc(16) }), /32 bytes/);
});

test('a malformed key file is a format error, not a wrong key', async () => {
  await assert.rejects(unwrapKeyFile(Buffer.from('not json'), { passphrase: 'x' }, 'keys/x'), (e: unknown) => isRepoError(e, 'REPO_FORMAT'));
});

test('a key export round-trips the master key and repository id', () => {
  const m = generateMasterKey();
  const s = exportMasterKey(m, 'ab'.repeat(32));
  assert.deepEqual(importMasterKey(s), { master: m, repositoryId: 'ab'.repeat(32) });
  assert.throws(() => importMasterKey('garbage'), (e: unknown) => isRepoError(e, 'REPO_FORMAT'));
});
