/**
 * tree — directory listings.
 *  tree   the sorted entries of one directory, stored as a `tree` blob (canonical JSON)
 *  node   one entry: name, type, mode, owner, times (ns strings), size, inode, and either
 *         content (data blob ids), subtree (tree blob id) or a symlink target
 *  hard-link key  `dev:inode` shared by the nodes of one multiply-linked file
 */
export * from './tree-node.js';
export * from './tree-codec.js';
