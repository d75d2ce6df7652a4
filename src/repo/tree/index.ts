/**
 * tree — directory listings.
 *  tree   the sorted entries of one directory, stored as a `tree` blob (canonical JSON)
 *  node   one entry: name, type, mode, owner, times (ns strings), size, inode, and either
 *         content (data blob ids), subtree (tree blob id) or a symlink target
 *  hard-link key  `dev:inode` shared by the nodes of one multiply-linked file
 *  refs   every blob id a tree blob references (treeRefs): the one way to walk trees
 *         for reachability
 */
export * from './tree-node.js';
export * from './tree-codec.js';
export * from './tree-refs.js';
