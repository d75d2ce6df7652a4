import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { TokenVerifier } from '../../auth/index.js';
import type { SessionStore } from '../deps.js';
import { installBearerAuth } from '../plugins/auth.js';
import { ErrorBodySchema } from '../schemas/common.js';

const SessionSchema = Type.Object({
  subject: Type.String({ description: 'the token\'s `sub`' }),
  role: Type.Union([Type.Literal('admin'), Type.Literal('operator'), Type.Literal('viewer')]),
  'expires-at': Type.Optional(Type.Integer({ description: 'the token\'s `exp`, epoch ms' })),
  account: Type.Array(Type.Object({
    id: Type.String(),
    name: Type.String(),
    'agent-id': Type.Array(Type.String(), { description: 'agents owning a working environment of the account; any of them is a valid `x-agent-id`' }),
  })),
}, { $id: 'Session' });

/**
 * GET /auth/v1/session — our own: who the bearer token is and what it may reach, so a
 * client holding only a token (the web console) learns its role, its accounts and an
 * `x-agent-id` to send. Any valid token may ask; no `x-agent-id` is needed.
 */
export const sessionRoutes: FastifyPluginAsyncTypebox<{ store: SessionStore; tokens: TokenVerifier }> = async (app, { store, tokens }) => {
  installBearerAuth(app, { tokens });

  app.get('/session', {
    schema: {
      summary: 'OpenCBS: the calling token\'s role, accounts and their agents', tags: ['auth'],
      response: { 200: SessionSchema, 401: ErrorBodySchema, 503: ErrorBodySchema },
    },
  }, async (req) => {
    const p = req.principal!;
    const accounts = p.accounts.includes('*')
      ? await store.listAccounts()
      : (await Promise.all(p.accounts.map((id) => store.getAccount(id)))).filter((a) => a !== undefined);
    return {
      subject: p.subject,
      role: p.role,
      ...(p.expiresAt !== undefined ? { 'expires-at': p.expiresAt * 1000 } : {}),
      account: await Promise.all(accounts.map(async (a) => {
        const wes = await store.listWorkingEnvironments(a.id);
        return { id: a.id, name: a.name, 'agent-id': [...new Set(wes.map((w) => w.agentId))] };
      })),
    };
  });
};
