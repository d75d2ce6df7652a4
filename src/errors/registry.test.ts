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
