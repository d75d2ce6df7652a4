import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { TokenVerifier } from '../../auth/index.js';
import type { RevokedToken } from '../../store/model.js';
import type { TokenStore } from '../deps.js';
import { installBearerAuth } from '../plugins/auth.js';
import { ADMINISTER } from '../plugins/roles.js';
import { ErrorBodySchema } from '../schemas/common.js';

const RevokedTokenSchema = Type.Object({
  id: Type.String({ description: 'the token\'s id (`jti` claim; printed by `cbs token create`)' }),
  'revoked-at': Type.Integer({ description: 'epoch ms' }),
  'expires-at': Type.Integer({ description: 'epoch ms; the entry is dropped after it, when no token it could name is still accepted' }),
}, { $id: 'RevokedToken' });

const errors = { 400: ErrorBodySchema, 401: ErrorBodySchema, 403: ErrorBodySchema, 503: ErrorBodySchema };

const render = (r: RevokedToken) => ({ id: r.id, 'revoked-at': r.revokedAt, 'expires-at': r.expiresAt });

/**
 * /auth/v1 — our own routes (not BlueXP's) for the server's bearer tokens: revoking
 * one by its id, and the list of revocations in force. Admin tokens only. A revocation
 * takes effect on every instance of the store within about a second.
 */
export const tokenRoutes: FastifyPluginAsyncTypebox<{ store: TokenStore; tokens: TokenVerifier; maxTtlSeconds: number }> = async (app, { store, tokens, maxTtlSeconds }) => {
  installBearerAuth(app, { tokens });

  app.put('/revoked-tokens/:tokenId', {
    preHandler: ADMINISTER,
    schema: {
      summary: 'Revoke a bearer token by its id (admin); idempotent', tags: ['auth'],
      params: Type.Object({ tokenId: Type.String({ pattern: '^[A-Za-z0-9._:-]{1,200}$' }) }),
      response: { 200: RevokedTokenSchema, ...errors },
    },
  }, async (req) => {
    const now = Date.now();
    // Kept as long as a token issued now could live: no token it names can outlast it.
    const r: RevokedToken = { id: req.params.tokenId, revokedAt: now, expiresAt: now + maxTtlSeconds * 1000 };
    await store.revokeToken(r);
    req.log.info({ tokenId: r.id, by: req.principal?.subject }, 'token revoked');
    return render(r);
  });

  app.get('/revoked-tokens', {
    preHandler: ADMINISTER,
    schema: {
      summary: 'Revocations in force (admin), oldest first', tags: ['auth'],
      response: { 200: Type.Object({ 'revoked-token': Type.Array(RevokedTokenSchema) }), ...errors },
    },
  }, async () => ({ 'revoked-token': (await store.listRevokedTokens()).map(render) }));
};
