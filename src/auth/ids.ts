import { createHash, randomBytes, randomInt } from 'node:crypto';

/**
 * Identifier formats of the BlueXP API family.
 *  account id  `account-` + 8 base62 characters, e.g. account-DpTFcxN3
 *  agent id    a client id: 32 base62 characters + `clients`
 */
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function base62(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += BASE62[randomInt(62)];
  return s;
}

/** The account id format, as a pattern for schemas; ACCOUNT_ID_RE tests it. */
export const ACCOUNT_ID_PATTERN = '^account-[A-Za-z0-9]{8}$';
export const ACCOUNT_ID_RE = new RegExp(ACCOUNT_ID_PATTERN);
export const AGENT_ID_RE = /^[A-Za-z0-9]{1,64}clients$/;

export function newAccountId(): string { return `account-${base62(8)}`; }
export function newAgentId(): string { return `${base62(32)}clients`; }
/** A secret an agent presents to the control plane; only its hash is stored. */
export function newAgentSecret(): string { return randomBytes(32).toString('base64url'); }

/**
 * The stored form of an agent secret: SHA-256 hex. The one definition the control plane
 * (agent authentication) and the bootstrap of the embedded agent share, so they cannot
 * drift apart. Secrets are 256 random bits, so a fast hash is enough.
 */
export function hashAgentSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
