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
 *  1. onRequest  — bearer token present (401 AUTH_MISSING) and valid (401 AUTH_INVALID / AUTH_EXPIRED)
 *  2. validation — params, query, headers (400 VALIDATION_FAILED naming the field)
 *  3. preHandler — the token grants the path's account (403 ACCOUNT_FORBIDDEN) and
 *                  `x-agent-id` names an agent of that account (403 AGENT_FORBIDDEN)
 * Verified tokens and agent look-ups are cached briefly: both are on the hot path of
 * job polling.
 */
export function installCbsAuth(app: FastifyInstance, deps: { tokens: TokenVerifier; store: ApiStore }): void {
  const tokenCache = new TtlCache<Principal>(2000, 30_000);
  const agentCache = new TtlCache<{ accountId: string } | null>(2000, 5_000);

  app.addHook('onRequest', async (req: FastifyRequest) => {
    const token = bearerCredential(req.headers.authorization);
    let p = tokenCache.get(token);
    if (!p) {
      p = await deps.tokens.verify(token);
      tokenCache.set(token, p, expiryOf(token));
    }
    req.principal = p;
  });

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

/** The token's own expiry (ms), so a cached principal never outlives its token. */
function expiryOf(token: string): number | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
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
