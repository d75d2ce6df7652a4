import type { FastifyRequest } from 'fastify';
import { CbsError } from '../../errors/index.js';
import type { Role } from '../../auth/index.js';

/**
 * Roles for the routes that act on backups: viewers read; operators also run backups and
 * restores; only admins activate backup (it chooses where data is written).
 */
export function requireRole(allowed: readonly Role[]) {
  return async (req: FastifyRequest): Promise<void> => {
    const role = req.principal?.role;
    if (!role || !allowed.includes(role)) {
      throw new CbsError('ROLE_FORBIDDEN', `this operation needs the ${allowed.join(' or ')} role`);
    }
  };
}

export const OPERATE = requireRole(['admin', 'operator']);
export const ADMINISTER = requireRole(['admin']);
