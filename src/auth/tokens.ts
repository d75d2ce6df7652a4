import { SignJWT, jwtVerify, createRemoteJWKSet, decodeProtectedHeader, errors as joseErrors, type JWTPayload } from 'jose';
import { CbsError } from '../errors/index.js';

/**
 * Bearer tokens are JWTs. The server signs its own with HS256 and a secret kept in the
 * job store (so every control-plane instance on one database accepts the same tokens);
 * an external OIDC issuer can be trusted instead through its JWKS.
 *
 * Claims: `sub` (who), `acc` (account ids the token may act on; `["*"]` for all),
 * `role` (see ROLES), `iss`, `iat`, `exp`.
 */
export const ROLES = ['admin', 'operator', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  readonly subject: string;
  readonly accounts: readonly string[];
  readonly role: Role;
}

export function principalCanUseAccount(p: Principal, accountId: string): boolean {
  return p.accounts.includes('*') || p.accounts.includes(accountId);
}

export const ISSUER = 'opencbs';

export interface TokenVerifier {
  /** Resolves the principal, or throws CbsError AUTH_INVALID / AUTH_EXPIRED. */
  verify(token: string): Promise<Principal>;
}

export class HmacTokenService implements TokenVerifier {
  readonly #key: Uint8Array;

  constructor(secret: Uint8Array) {
    if (secret.length < 32) throw new Error('token secret must be at least 32 bytes');
    this.#key = secret;
  }

  async sign(p: Principal, ttlSeconds: number): Promise<string> {
    return new SignJWT({ acc: [...p.accounts], role: p.role })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(p.subject)
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
      .sign(this.#key);
  }

  async verify(token: string): Promise<Principal> {
    try {
      const { payload } = await jwtVerify(token, this.#key, { issuer: ISSUER, algorithms: ['HS256'] });
      return principalFromClaims(payload);
    } catch (e) {
      throw mapJoseError(e);
    }
  }
}

/** Trusts tokens of an external OIDC issuer, verified against its JWKS. */
export class JwksTokenVerifier implements TokenVerifier {
  readonly #jwks: ReturnType<typeof createRemoteJWKSet>;

  constructor(readonly opts: { jwksUrl: string; issuer: string; audience?: string }) {
    this.#jwks = createRemoteJWKSet(new URL(opts.jwksUrl));
  }

  async verify(token: string): Promise<Principal> {
    try {
      const { payload } = await jwtVerify(token, this.#jwks, {
        issuer: this.opts.issuer,
        ...(this.opts.audience ? { audience: this.opts.audience } : {}),
      });
      return principalFromClaims(payload);
    } catch (e) {
      throw mapJoseError(e);
    }
  }
}

/**
 * The server's own tokens (HS256) and, when an OIDC issuer is configured, the issuer's
 * (any asymmetric algorithm its JWKS publishes), told apart by the token's `alg`.
 */
export class OwnOrIssuerTokenVerifier implements TokenVerifier {
  constructor(readonly own: HmacTokenService, readonly issuer: JwksTokenVerifier) {}

  async verify(token: string): Promise<Principal> {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch (e) {
      throw new CbsError('AUTH_INVALID', 'token is malformed or its signature does not verify', { cause: e });
    }
    return alg === 'HS256' ? this.own.verify(token) : this.issuer.verify(token);
  }
}

function principalFromClaims(payload: JWTPayload): Principal {
  const acc = payload['acc'];
  const role = payload['role'];
  if (!Array.isArray(acc) || !acc.every((a) => typeof a === 'string')) {
    throw new CbsError('AUTH_INVALID', 'token has no valid "acc" claim');
  }
  if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
    throw new CbsError('AUTH_INVALID', 'token has no valid "role" claim');
  }
  return { subject: payload.sub ?? 'unknown', accounts: acc as string[], role: role as Role };
}

function mapJoseError(e: unknown): CbsError {
  if (e instanceof CbsError) return e;
  if (e instanceof joseErrors.JWTExpired) return new CbsError('AUTH_EXPIRED', 'token has expired', { cause: e });
  return new CbsError('AUTH_INVALID', 'token is malformed or its signature does not verify', { cause: e });
}

/** Parses `30d`, `12h`, `15m`, `90s` or a number of seconds. */
export function parseTtl(s: string): number {
  const m = /^(\d+)\s*([smhdy]?)$/.exec(s.trim());
  if (!m) throw new CbsError('VALIDATION_FAILED', `invalid ttl ${JSON.stringify(s)}: use e.g. 3600, 90s, 15m, 12h, 30d, 1y`);
  const n = Number(m[1]);
  const mult = { '': 1, s: 1, m: 60, h: 3600, d: 86400, y: 365 * 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd' | 'y'];
  const secs = n * mult;
  if (secs < 1 || secs > 10 * 365 * 86400) throw new CbsError('VALIDATION_FAILED', 'ttl must be between 1 second and 10 years');
  return secs;
}
