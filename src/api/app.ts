import Fastify, { LogController, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ApiDeps } from './deps.js';
import { frameworkErrors, installErrorHandling } from './plugins/errors.js';
import { installCbsAuth } from './plugins/auth.js';
import { installMetrics } from './plugins/metrics.js';
import { jobRoutes } from './routes/jobs.js';
import { healthRoutes } from './routes/health.js';
import { PREFIX } from './schemas/common.js';
import { agentProtocolRoutes } from './routes/agent-protocol.js';
import { workingEnvironmentRoutes } from './routes/working-environments.js';
import { backupRoutes } from './routes/backup.js';
import { restoreRoutes } from './routes/restore.js';
import { fileExploreRoutes } from './routes/file-explore.js';
import type { SessionStore, TokenStore } from './deps.js';
import { tokenRoutes } from './routes/tokens.js';
import { sessionRoutes } from './routes/session.js';
import { isBuiltConsole, webConsoleRoutes } from './routes/web-console.js';
import { DEFAULT_TOKEN_MAX_TTL, RevocationCheckingVerifier, TokenRevocations } from '../auth/index.js';
import { DEFAULTS } from '../config/defaults.js';
import { newOperationsDeps, type OperationsStore } from '../operations/index.js';

/**
 * Builds the HTTP application. Every dependency comes in through `deps`; nothing here
 * opens a database or a bucket.
 */
export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: deps.bodyLimit ?? DEFAULTS.bodyLimit,
    // Unknown query parameters and body fields are errors, not silently dropped.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
    return503OnClosing: true,
    frameworkErrors,
    // One line per request at info level would dominate the log of a polled job API.
    logController: new LogController({ disableRequestLogging: true }),
  }).withTypeProvider<TypeBoxTypeProvider>();

  installErrorHandling(app);
  // Bodies are JSON only: anything else is 415, not a string handed to validation.
  app.removeContentTypeParser('text/plain');
  await app.register(swagger, {
    // Named components (job, volume, batch, …) instead of def-0, def-1, …
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json['$id'] === 'string' ? json['$id'] : `def-${i}`) },
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'OpenCBS — BlueXP backup and recovery compatible API',
        version: '0.1.0',
        description: 'Routes under /account/{accountId}/providers/cloudmanager_cbs/api require `authorization: Bearer <token>` and `x-agent-id`.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  installMetrics(app, deps.store, deps.metricsPrefix);
  await app.register(healthRoutes, { store: deps.store });

  // With a store that keeps revocations, every token check also consults them.
  const tokenStore = deps.store.revokeToken && deps.store.listRevokedTokens ? deps.store as TokenStore : undefined;
  const tokens = tokenStore
    ? new RevocationCheckingVerifier(deps.tokens, new TokenRevocations(async () => (await tokenStore.listRevokedTokens()).map((r) => r.id)))
    : deps.tokens;
  if (tokenStore) await app.register(tokenRoutes, { prefix: '/auth/v1', store: tokenStore, tokens, maxTtlSeconds: deps.tokenMaxTtlSeconds ?? DEFAULT_TOKEN_MAX_TTL });
  const s = deps.store;
  if (s.getAccount && s.listAccounts && s.listWorkingEnvironments) await app.register(sessionRoutes, { prefix: '/auth/v1', store: s as SessionStore, tokens });
  if (deps.webRoot) {
    if (isBuiltConsole(deps.webRoot)) await app.register(webConsoleRoutes, { root: deps.webRoot });
    else app.log.warn({ dir: deps.webRoot }, 'web console not built (npm run build); /ui is not served');
  }

  // The agent protocol and the routes that start work or browse need the key vault (repository keys).
  const ops = deps.keys
    ? newOperationsDeps(deps.store as OperationsStore, deps.keys, deps.operations, (level, msg, fields) => app.log[level](fields ?? {}, msg))
    : undefined;
  if (ops) await app.register(agentProtocolRoutes, { prefix: '/agent/v1', ops, tokens });

  await app.register(async (cbs) => {
    installCbsAuth(cbs, { tokens, store: deps.store });
    await cbs.register(jobRoutes, { store: deps.store });
    if (ops) {
      await cbs.register(workingEnvironmentRoutes, { ops });
      await cbs.register(backupRoutes, { ops });
      await cbs.register(restoreRoutes, { ops });
      await cbs.register(fileExploreRoutes, { ops });
    }
  }, { prefix: PREFIX });

  return app;
}
