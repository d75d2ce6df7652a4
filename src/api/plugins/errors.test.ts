import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withoutServerPaths } from './errors.js';

test('5xx messages lose the server\'s absolute paths but keep URLs and words', () => {
  assert.equal(withoutServerPaths("open '/srv/cbs/cbs.db' failed (local:/srv/buckets/b1)"), "open '<path>' failed (local:<path>)");
  assert.equal(withoutServerPaths('/var/lib/x: EIO'), '<path>: EIO');
  assert.equal(withoutServerPaths('bucket b at http://127.0.0.1:9/b unreachable'), 'bucket b at http://127.0.0.1:9/b unreachable');
  assert.equal(withoutServerPaths('job store unavailable (getJob)'), 'job store unavailable (getJob)');
});
