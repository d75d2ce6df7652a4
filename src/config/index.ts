/**
 * config — settings of a running OpenCBS process.
 *  Config      the frozen, validated settings
 *  ConfigInput raw values from flags; environment variables fill what flags leave out
 *  DEFAULTS    every default setting, once, with its reason
 *  CliEnvironment the environment variables of the client commands (cli-environment.ts)
 * The environment is read here and nowhere else. Imports nothing of ours but errors.
 */
export * from './config.js';
export * from './defaults.js';
export * from './cli-environment.js';
