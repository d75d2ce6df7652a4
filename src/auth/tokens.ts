import { randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify, createRemoteJWKSet, decodeProtectedHeader, errors as joseErrors, type JWTPayload } from 'jose';
import { CbsError } from '../errors/index.js';

/**
 * Bearer tokens are JWTs. The server signs its own with HS256 and a secret kept in a
 * file beside the database, never in it (every control-plane instance on one database
 * is given the same file and so accepts the same tokens); an external OIDC issuer can
 * be trusted too, through its JWKS.
 *
 * Claims: `sub` (who), `acc` (account ids the token may act on; `["*"]` for all),
 * `role` (see ROLES), `iss`, `iat`, `exp`, `jti` (the token's id, for revocation).
 * Every token must expire, no later than the maximum lifetime after it was issued:
 * a token without `exp` is refused with AUTH_NO_EXPIRY, one that lives longer with
 * AUTH_LIFETIME_TOO_LONG. The server's own tokens must carry a `jti`.
 */
export const ROLES = ['admin', 'operator', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  readonly subject: string;
  readonly accounts: readonly string[];
  readonly role: Role;
  /** The token's `jti`, when it has one (always for the server's own tokens). */
  readonly tokenId?: string;
  /** The token's `exp`, epoch seconds. */
  readonly expiresAt?: number;
}

export function principalCanUseAccount(p: Principal, accountId: string): boolean {
  return p.accounts.includes('*') || p.accounts.includes(accountId);
}

export const ISSUER = 'opencbs';

/** Longest lifetime of a token when no other is configured: 90 days. */
export const DEFAULT_TOKEN_MAX_TTL = 90 * 86400;

export interface TokenVerifier {
  /** Resolves the principal, or throws CbsError AUTH_INVALID / AUTH_EXPIRED / AUTH_NO_EXPIRY / AUTH_LIFETIME_TOO_LONG / AUTH_REVOKED. */
  verify(token: string): Promise<Principal>;
  /**
   * For callers that cache verified principals: throws AUTH_REVOKED when the token
   * was revoked since. Absent when the verifier knows of no revocation.
   */
  recheck?(p: Principal): Promise<void>;
}

export interface TokenLifetimeOptions {
  /** Longest accepted lifetime, seconds: `exp` minus `iat` (or minus now, when later or absent). @default DEFAULT_TOKEN_MAX_TTL */
  maxTtlSeconds?: number;
}

export class HmacTokenService implements TokenVerifier {
  readonly #key: Uint8Array;
  readonly maxTtlSeconds: number;

  constructor(secret: Uint8Array, opts: TokenLifetimeOptions = {}) {
    if (secret.length < 32) throw new Error('token secret must be at least 32 bytes');
    this.#key = secret;
    this.maxTtlSeconds = opts.maxTtlSeconds ?? DEFAULT_TOKEN_MAX_TTL;
  }

  /** Signs a token with a fresh id (`jti`). VALIDATION_FAILED when ttlSeconds exceeds the maximum lifetime. */
  async sign(p: Principal, ttlSeconds: number): Promise<string> {
    return (await this.issue(p, ttlSeconds)).token;
  }

  /** Like sign, with the token's id and expiry (epoch seconds). */
  async issue(p: Principal, ttlSeconds: number): Promise<{ token: string; id: string; expiresAt: number }> {
    if (ttlSeconds > this.maxTtlSeconds) {
      throw new CbsError('VALIDATION_FAILED', `ttl ${ttlSeconds}s exceeds the maximum token lifetime of ${this.maxTtlSeconds}s (CBS_TOKEN_MAX_TTL)`, { details: { field: 'ttl' } });
    }
    const id = randomUUID();
    const expiresAt = Math.floor(Date.now() / 1000) + ttlSeconds;
    const token = await new SignJWT({ acc: [...p.accounts], role: p.role })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(p.subject)
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setJti(id)
      .setExpirationTime(expiresAt)
      .sign(this.#key);
    return { token, id, expiresAt };
  }

  async verify(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#key, { issuer: ISSUER, algorithms: ['HS256'] }));
    } catch (e) {
      throw mapJoseError(e);
    }
    if (typeof payload.jti !== 'string' || payload.jti === '') {
      throw new CbsError('AUTH_INVALID', 'token has no id ("jti" claim); tokens issued before token ids existed must be issued again');
    }
    return principalFromClaims(payload, this.maxTtlSeconds);
  }
}

/** Trusts tokens of an external OIDC issuer, verified against its JWKS. */
export class JwksTokenVerifier implements TokenVerifier {
  readonly #jwks: ReturnType<typeof createRemoteJWKSet>;
  readonly maxTtlSeconds: number;

  constructor(readonly opts: { jwksUrl: string; issuer: string; audience?: string } & TokenLifetimeOptions) {
    this.#jwks = createRemoteJWKSet(new URL(opts.jwksUrl));
    this.maxTtlSeconds = opts.maxTtlSeconds ?? DEFAULT_TOKEN_MAX_TTL;
  }

  async verify(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#jwks, {
        issuer: this.opts.issuer,
        ...(this.opts.audience ? { audience: this.opts.audience } : {}),
      }));
    } catch (e) {
      throw mapJoseError(e);
    }
    return principalFromClaims(payload, this.maxTtlSeconds);
  }
}

/**
 * The server's own tokens (HS256) and, when an OIDC issuer is configured, the issuer's
 * (any asymmetric algorithm its JWKS publishes), told apart by the token's `alg`.
 */
export class OwnOrIssuerTokenVerifier implements TokenVerifier {
  constructor(readonly own: TokenVerifier, readonly issuer: TokenVerifier) {}

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

function principalFromClaims(payload: JWTPayload, maxTtlSeconds: number): Principal {
  checkLifetime(payload, maxTtlSeconds);
  const acc = payload['acc'];
  const role = payload['role'];
  if (!Array.isArray(acc) || !acc.every((a) => typeof a === 'string')) {
    throw new CbsError('AUTH_INVALID', 'token has no valid "acc" claim');
  }
  if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
    throw new CbsError('AUTH_INVALID', 'token has no valid "role" claim');
  }
  return {
    subject: payload.sub ?? 'unknown', accounts: acc as string[], role: role as Role, expiresAt: payload.exp!,
    ...(typeof payload.jti === 'string' && payload.jti !== '' ? { tokenId: payload.jti } : {}),
  };
}

/**
 * A token must expire, and not later than maxTtlSeconds after it was issued. The
 * lifetime counts from `iat`, or from now when `iat` is absent or in the future, so
 * neither a missing nor a post-dated `iat` stretches it. (`exp` itself was checked by jose.)
 */
function checkLifetime(payload: JWTPayload, maxTtlSeconds: number): void {
  if (typeof payload.exp !== 'number') throw new CbsError('AUTH_NO_EXPIRY', 'token has no expiry ("exp" claim); every token must expire');
  const now = Math.floor(Date.now() / 1000);
  const from = typeof payload.iat === 'number' ? Math.min(payload.iat, now) : now;
  if (payload.exp - from > maxTtlSeconds) {
    throw new CbsError('AUTH_LIFETIME_TOO_LONG', `token lives ${payload.exp - from}s, longer than the maximum token lifetime of ${maxTtlSeconds}s`);
  }
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
