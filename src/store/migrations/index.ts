import { initial } from './0001-initial.js';
import { protection } from './0002-protection.js';
import { claimOrderIndex } from './0003-claim-order-index.js';
import { taskOutcomes } from './0004-task-outcomes.js';
import type { Migration } from './migration.js';

export type { Migration } from './migration.js';

/** Every migration, in version order. Append only. */
export const MIGRATIONS: readonly Migration[] = [initial, protection, claimOrderIndex, taskOutcomes];
