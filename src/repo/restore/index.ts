/**
 * restore — write a snapshot (or some of its paths) back to a directory.
 *  plan     the dirs, files, symlinks and hard links to create, names checked first
 *  target   the directory restored into; nothing is ever written outside it
 *  include  snapshot paths (files or folders) to restore; their ancestors are created
 */
export * from './restore.js';
export { assertSafeName, splitSnapshotPath } from './safe-name.js';
