import { CbsError } from '../errors/index.js';
import type { Principal, TokenVerifier } from './tokens.js';

/** How often the revocation list is re-read at most: a revocation takes effect on every instance within this. */
export const REVOCATION_REFRESH_MS = 1000;

/**
 * The ids (`jti`) of revoked tokens, as the job store lists them, read again when the
 * copy in memory is older than refreshMs. Every instance on one store reads the same
 * list, so a revocation takes effect everywhere within refreshMs plus one query. The
 * list holds only revocations of tokens that could still be valid (entries expire), so
 * it stays small; one read serves all requests waiting for it.
 */
export class TokenRevocations {
  #ids = new Set<string>();
  #readAt = -Infinity;
  #reading: Promise<void> | undefined;

  constructor(private readonly load: () => Promise<readonly string[]>, readonly refreshMs = REVOCATION_REFRESH_MS) {}

  /** Rejects (e.g. STORE_UNAVAILABLE) when the list is stale and cannot be read: an unknown list is never taken as empty. */
  async isRevoked(tokenId: string): Promise<boolean> {
    if (Date.now() - this.#readAt >= this.refreshMs) await this.#refresh();
    return this.#ids.has(tokenId);
  }

  #refresh(): Promise<void> {
    this.#reading ??= (async () => {
      const startedAt = Date.now();
      try {
        this.#ids = new Set(await this.load());
        // Counted from the start of the read: a revocation committed during it is seen by the next one.
        this.#readAt = startedAt;
      } finally {
        this.#reading = undefined;
      }
    })();
    return this.#reading;
  }
}

/** A verifier that also refuses revoked tokens (AUTH_REVOKED), on verify and on recheck of a cached principal. */
export class RevocationCheckingVerifier implements TokenVerifier {
  constructor(private readonly inner: TokenVerifier, private readonly revocations: TokenRevocations) {}

  async verify(token: string): Promise<Principal> {
    const p = await this.inner.verify(token);
    await this.recheck(p);
    return p;
  }

  async recheck(p: Principal): Promise<void> {
    if (p.tokenId !== undefined && (await this.revocations.isRevoked(p.tokenId))) {
      throw new CbsError('AUTH_REVOKED', 'token has been revoked');
    }
  }
}
