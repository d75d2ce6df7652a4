/**
 * tree — directory listings.
 *  tree     the sorted entries of one directory, stored as a `tree` blob (canonical JSON)
 *  chunked  a directory of more than DIR_PLAIN_MAX entries: an index blob naming chunk
 *           blobs (plain trees) with their entry counts and first names
 *  node     one entry: name, type, mode, owner, times (ns strings), size, inode, and either
 *           content (data blob ids), subtree (tree blob id), a symlink target, or a special kind
 *  name     a path component's bytes, carried in the escaped form of name.ts
 *  hard-link key  `dev:inode` shared by the nodes of one multiply-linked file
 * Read directories through readDir / readDirPage / findInDir and write them with
 * TreeWriter, so no caller depends on whether a directory is chunked; treeReferences
 * lists what a tree blob keeps alive.
 */
export * from './tree-node.js';
export * from './tree-codec.js';
export * from './tree-writer.js';
export * from './tree-reader.js';
export { escapeName, unescapeName, nameBytes, escapeLatin1, NameEscapeError } from './name.js';
