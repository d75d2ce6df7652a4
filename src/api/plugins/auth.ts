import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CbsError } from '../../errors/index.js';
import { principalCanUseAccount, type Principal, type TokenVerifier } from '../../auth/index.js';
import type { ApiStore } from '../deps.js';
import { bearerCredential } from './bearer.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/**
 * Authentication and tenancy for every route under the BlueXP prefix, in this order:
 *  1. onRequest  — bearer token present (401 AUTH_MISSING), valid (401 AUTH_INVALID /
 *                  AUTH_EXPIRED / AUTH_NO_EXPIRY / AUTH_LIFETIME_TOO_LONG) and not revoked (401 AUTH_REVOKED)
 *  2. validation — params, query, headers (400 VALIDATION_FAILED naming the field)
 *  3. preHandler — the token grants the path's account (403 ACCOUNT_FORBIDDEN) and
 *                  `x-agent-id` names an agent of that account (403 AGENT_FORBIDDEN)
 * Verified tokens and agent look-ups are cached briefly: both are on the hot path of
 * job polling. A cached token is still checked against the revocation list on every request.
 */
export function installCbsAuth(app: FastifyInstance, deps: { tokens: TokenVerifier; store: ApiStore }): void {
  const agentCache = new TtlCache<{ accountId: string } | null>(2000, 5_000);

  installBearerAuth(app, deps);

  app.addHook('preHandler', async (req: FastifyRequest) => {
    const { accountId } = req.params as { accountId: string };
    const p = req.principal!;
    if (!principalCanUseAccount(p, accountId)) {
      throw new CbsError('ACCOUNT_FORBIDDEN', `the token does not grant access to account ${accountId}`);
    }
    const agentId = req.headers['x-agent-id'];
    if (typeof agentId !== 'string' || agentId === '') {
      throw new CbsError('VALIDATION_FAILED', 'header "x-agent-id" is required', { details: { field: 'x-agent-id' } });
    }
    let agent = agentCache.get(agentId);
    if (agent === undefined) {
      const a = await deps.store.getAgent(agentId);
      agent = a ? { accountId: a.accountId } : null;
      agentCache.set(agentId, agent);
    }
    if (!agent || agent.accountId !== accountId) {
      throw new CbsError('AGENT_FORBIDDEN', 'x-agent-id does not name an agent of this account');
    }
  });
}

/**
 * onRequest: the bearer token is present (401 AUTH_MISSING), valid and not revoked;
 * sets req.principal. For every route that takes a user's token.
 */
export function installBearerAuth(app: FastifyInstance, deps: { tokens: TokenVerifier }): void {
  const tokenCache = new TtlCache<Principal>(2000, 30_000);
  app.addHook('onRequest', async (req: FastifyRequest) => {
    const token = bearerCredential(req.headers.authorization);
    let p = tokenCache.get(token);
    if (!p) {
      p = await deps.tokens.verify(token);
      // A cached principal never outlives its token.
      tokenCache.set(token, p, p.expiresAt === undefined ? undefined : p.expiresAt * 1000);
    } else {
      await deps.tokens.recheck?.(p);
    }
    req.principal = p;
  });
}

class TtlCache<V> {
  readonly #m = new Map<string, { v: V; until: number }>();
  constructor(readonly max: number, readonly ttlMs: number) {}
  get(k: string): V | undefined {
    const e = this.#m.get(k);
    if (!e) return undefined;
    if (e.until <= Date.now()) { this.#m.delete(k); return undefined; }
    return e.v;
  }
  set(k: string, v: V, hardExpiry?: number): void {
    if (this.#m.size >= this.max) this.#m.delete(this.#m.keys().next().value as string);
    const until = Math.min(Date.now() + this.ttlMs, hardExpiry ?? Infinity);
    this.#m.set(k, { v, until });
  }
}
