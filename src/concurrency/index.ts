/**
 * concurrency — the one shape of fan-out used everywhere (restic's errgroup with N
 * workers): run a function over items with a bound on how many are in flight; the
 * first failure cancels the siblings and is the one reported.
 *  lane     one of the N loops that take the next item until none is left
 *  sibling  another lane of the same run; sees the run's signal abort on a failure
 * Imports nothing of ours.
 */
export * from './for-each-limit.js';
