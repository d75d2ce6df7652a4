/**
 * forget — removing snapshots.
 *  forget            delete chosen `snapshots/` objects; their data stays until a prune
 *  retention policy  keep the newest snapshot of each of the last N hours, days, ISO
 *                    weeks, months, years (and the last N snapshots), per group of
 *                    host and paths, as restic's `forget --keep-*`
 *  period            the calendar hour/day/week/month/year a snapshot's time falls in,
 *                    read in the offset the snapshot recorded (or a chosen time zone)
 */
export * from './retention.js';
export * from './forget.js';
