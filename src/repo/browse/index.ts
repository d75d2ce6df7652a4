/**
 * browse — read a snapshot's directories without restoring.
 *  entry    inode, name, full snapshot path ('/a/b'), type, size, mtime (epoch ms)
 *  page     offset + limit over the name-ordered entries; nextOffset when more remain
 */
export * from './list-dir.js';
