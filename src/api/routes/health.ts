import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiStore } from '../deps.js';
import { ErrorBodySchema } from '../schemas/common.js';
import { CbsError } from '../../errors/index.js';

/** Liveness (the process answers) and readiness (the store answers). No auth. */
export const healthRoutes: FastifyPluginAsyncTypebox<{ store: ApiStore }> = async (app, { store }) => {
  const Ok = Type.Object({ status: Type.Literal('ok') });
  app.get('/healthz', { schema: { tags: ['ops'], response: { 200: Ok } } }, async () => ({ status: 'ok' as const }));
  app.get('/readyz', { schema: { tags: ['ops'], response: { 200: Ok, 503: ErrorBodySchema } } }, async () => {
    try {
      await store.ping();
    } catch (e) {
      throw e instanceof CbsError ? e : new CbsError('STORE_UNAVAILABLE', 'job store is unavailable', { cause: e });
    }
    return { status: 'ok' as const };
  });
};
