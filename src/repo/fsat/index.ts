/**
 * fsat — file-system calls relative to an open directory, as openat(2) and friends.
 *  dir fd   a descriptor of a directory held open; what it names cannot be swapped
 *  at path  `/proc/self/fd/<fd>/<name>`: the kernel resolves `name` inside that very
 *           directory, however long or renamed its path is (Linux)
 *  name     one path component as bytes; never `.`, `..`, or containing `/`
 * Node has no openat; on Linux these paths give the same race-free resolution and keep
 * every path short (no ENAMETOOLONG however deep the tree). Elsewhere the directory's
 * path at open time stands in, which is correct but not race-free.
 */
export * from './fsat.js';
