/**
 * lock — coordination between processes using one repository.
 *  shared lock     backup, restore, check: many may hold one at once
 *  exclusive lock  prune (and repairs): excludes every other lock
 *  stale           not refreshed for 30 minutes, or its process on this host is gone
 */
export * from './lock.js';
