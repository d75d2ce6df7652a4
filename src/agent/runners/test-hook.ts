import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A point where a test can hold a runner, to change the file system at a known moment
 * instead of after a delay. Off unless CBS_TEST_HOOK_DIR is set and holds a FIFO named
 * after the point: the runner then opens the FIFO for reading (which waits for the
 * test to open its end: the test now knows the runner is here) and reads until the
 * test closes it (the runner goes on).
 */
export async function testHook(point: string): Promise<void> {
  // A test-only switch, read here rather than in config/ so no setting can turn it on by accident.
  const dir = process.env['CBS_TEST_HOOK_DIR'];
  if (dir === undefined || dir === '') return;
  const fifo = join(dir, point);
  if (!existsSync(fifo)) return;
  const h = await open(fifo, 'r');
  try {
    await h.readFile();
  } finally {
    await h.close();
  }
}
