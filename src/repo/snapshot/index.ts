/**
 * snapshot — one point-in-time backup of one source path.
 *  snapshot  `snapshots/<sha256 of stored bytes>`: time, hostname, paths, root tree id,
 *            parent snapshot, tags, summary (counts, bytes added, errors)
 *  latest    the newest snapshot, optionally of one path / host
 */
export * from './snapshot.js';
