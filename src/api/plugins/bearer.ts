import { CbsError } from '../../errors/index.js';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * The credential of an `authorization: Bearer <credential>` header, for every kind of
 * caller (user tokens, agent secrets). AUTH_MISSING without the header, AUTH_INVALID
 * when it is not of that form. `what` names the credential in the message.
 */
export function bearerCredential(header: string | undefined, what = 'token'): string {
  if (!header) throw new CbsError('AUTH_MISSING', `authorization header with a Bearer ${what} is required`);
  const m = BEARER.exec(header);
  if (!m) throw new CbsError('AUTH_INVALID', `authorization header must be "Bearer <${what}>"`);
  return m[1]!;
}
