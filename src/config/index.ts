/**
 * config — settings of a running OpenCBS process.
 *  Config      the frozen, validated settings
 *  ConfigInput raw values from flags; environment variables fill what flags leave out
 * Imports nothing of ours but errors.
 */
export * from './config.js';
