#!/usr/bin/env node
// Runs the compiled *.test.js files under dist/ with node's test runner.
// Usage: node scripts/run-tests.mjs [src|test|<path prefix>...]
// Files are passed explicitly so helpers under test/ are never run as tests.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const roots = process.argv.slice(2);
const bases = roots.length ? roots.map((r) => join('dist', r)) : ['dist/src', 'dist/test'];
const files = [];
function walk(dir) {
  let entries;
  try { entries = readdirSync(dir); } catch { return; }
  for (const e of entries) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.test.js')) files.push(p);
  }
}
for (const b of bases) {
  if (b.endsWith('.test.js')) files.push(b); else walk(b);
}
files.sort();
if (files.length === 0) {
  console.error('no test files found under', bases.join(', '));
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
