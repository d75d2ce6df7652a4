import { initial } from './0001-initial.js';
import { protection } from './0002-protection.js';
import { claimOrderIndex } from './0003-claim-order-index.js';
import { tokenRevocations } from './0004-token-revocations.js';
import { taskOutcomes } from './0005-task-outcomes.js';
import type { Migration } from './migration.js';

export type { Migration } from './migration.js';

/** Every migration, in version order. Append only. */
export const MIGRATIONS: readonly Migration[] = [initial, protection, claimOrderIndex, tokenRevocations, taskOutcomes];
