import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { ERROR_REGISTRY, CbsError, type ErrorCode } from './index.js';

const docPath = join(dirname(fileURLToPath(import.meta.url)), '../../../docs/errors.md');

it('docs/errors.md lists exactly the registered codes with their status, retryable flag and meaning', () => {
  const rows = readFileSync(docPath, 'utf8').split('\n').filter((l) => /^\| [A-Z_]+ \|/.test(l));
  const documented = Object.fromEntries(rows.map((l) => {
    const [code, status, retryable, description] = l.split('|').slice(1, -1).map((c) => c.trim());
    return [code!, { status: Number(status), retryable: retryable === 'yes', description: description! }];
  }));
  assert.deepEqual(documented, { ...ERROR_REGISTRY });
});

it('every code maps to a 4xx or 5xx status and the error body carries it', () => {
  for (const code of Object.keys(ERROR_REGISTRY) as ErrorCode[]) {
    const e = new CbsError(code, 'm');
    assert.ok(e.status >= 400 && e.status < 600);
    const body = e.toBody();
    assert.equal(body.code, code);
    assert.equal(body.statusCode, e.status);
    assert.ok(body.error.length > 0);
  }
});

it('every engine error code is registered', async () => {
  // The engine declares its codes as a type; this list mirrors it and a type check keeps them equal.
  const codes = ['REPO_INTEGRITY', 'REPO_WRONG_KEY', 'REPO_FORMAT', 'REPO_EXISTS', 'REPO_NOT_FOUND', 'REPO_LOCKED',
    'REPO_SNAPSHOT_NOT_FOUND', 'REPO_PATH_NOT_FOUND', 'REPO_UNSAFE_PATH', 'REPO_RESTORE_CONFLICT', 'REPO_ABORTED', 'BUCKET_UNAVAILABLE'] as const;
  type Missing = Exclude<import('../repo/errors.js').RepoErrorCode, (typeof codes)[number]>;
  // Fails to compile when the engine gains a code this list (and so the registry) lacks.
  const allListed: [Missing] extends [never] ? true : false = true;
  assert.equal(allListed, true);
  for (const c of codes) assert.ok(c in ERROR_REGISTRY, c);
});
