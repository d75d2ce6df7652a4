import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { hashAgentSecret } from '../../auth/index.js';
import { CbsError } from '../../errors/index.js';
import type { OperationsStore } from '../deps.js';
import { bearerCredential } from './bearer.js';

declare module 'fastify' {
  interface FastifyRequest {
    agent?: { id: string; accountId: string };
  }
}

/**
 * Authentication of agents on /agent/v1: `x-agent-id: <agent id>` and
 * `authorization: Bearer <agent secret>`; the secret's hash (auth's hashAgentSecret)
 * must equal the stored one.
 * 401 AUTH_MISSING / AUTH_INVALID otherwise (the same answer for an unknown agent and a
 * wrong secret). Verified pairs are cached for a few seconds: agents poll.
 */
export function installAgentAuth(app: FastifyInstance, store: Pick<OperationsStore, 'getAgent' | 'touchAgent'>): void {
  const cache = new Map<string, { accountId: string; until: number }>();
  const touched = new Map<string, number>();
  app.addHook('onRequest', async (req: FastifyRequest) => {
    const h = req.headers.authorization;
    const agentId = req.headers['x-agent-id'];
    if (!h || typeof agentId !== 'string' || agentId === '') {
      throw new CbsError('AUTH_MISSING', 'agent requests need x-agent-id and authorization: Bearer <agent secret>');
    }
    const hash = hashAgentSecret(bearerCredential(h, 'agent secret'));
    const key = `${agentId}\n${hash}`;
    const now = Date.now();
    let hit = cache.get(key);
    if (!hit || hit.until <= now) {
      const a = await store.getAgent(agentId);
      const ok = a !== undefined && a.credentialHash.length === hash.length
        && timingSafeEqual(Buffer.from(a.credentialHash), Buffer.from(hash));
      if (!ok) throw new CbsError('AUTH_INVALID', 'unknown agent or wrong agent secret');
      hit = { accountId: a.accountId, until: now + 5000 };
      if (cache.size > 1000) cache.clear();
      cache.set(key, hit);
    }
    req.agent = { id: agentId, accountId: hit.accountId };
    // lastSeenAt at most every 10 s per agent: polling must not turn into a write stream.
    if ((touched.get(agentId) ?? 0) + 10_000 <= now) {
      touched.set(agentId, now);
      await store.touchAgent(agentId, now);
    }
  });
}
