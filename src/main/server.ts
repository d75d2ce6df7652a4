import { mkdir } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/index.js';
import { buildApp } from '../api/index.js';
import { openJobStore } from '../store/open.js';
import type { JobStore } from '../store/job-store.js';
import { bootstrap, tokenService } from './bootstrap.js';
import { LeaseSweeper } from '../jobs/index.js';
import { JwksTokenVerifier, OwnOrIssuerTokenVerifier } from '../auth/index.js';
import type { Credentials } from './credentials.js';
import { keyVaultOf } from './key-vault.js';
import type { Agent } from '../agent/index.js';

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly store: JobStore;
  readonly url: string;
  readonly credentials: Credentials;
  stop(): Promise<void>;
}

/**
 * `cbs serve`: opens the store, applies migrations, bootstraps the account and the
 * embedded agent identity, serves the API, and sweeps expired task leases so no job
 * stays IN_PROGRESS after its agent died.
 */
export async function startServer(cfg: Config, opts: { signal?: AbortSignal } = {}): Promise<RunningServer> {
  await mkdir(cfg.home, { recursive: true, mode: 0o700 });
  const store = await openJobStore({ url: cfg.store.url, agentGoneAfterMs: cfg.jobs.agentGoneMs });
  try {
    await store.migrate();
    const own = await tokenService(store);
    const tokens = cfg.oidc ? new OwnOrIssuerTokenVerifier(own, new JwksTokenVerifier(cfg.oidc)) : own;
    const keys = await keyVaultOf(store);
    const app = await buildApp({
      store,
      tokens,
      keys,
      operations: {
        leaseMs: cfg.jobs.leaseMs,
        bucketsRoot: cfg.bucketsRoot,
        maxAttempts: cfg.jobs.maxAttempts,
        agentCallTimeoutMs: cfg.jobs.agentCallTimeoutMs,
      },
      bodyLimit: cfg.server.bodyLimit,
      logger: cfg.logLevel === 'silent' ? false : { level: cfg.logLevel },
    });
    const address = await app.listen({ host: cfg.server.host, port: cfg.server.port });
    const port = (app.server.address() as { port: number }).port;
    const publicUrl = cfg.server.port === 0 ? cfg.server.publicUrl.replace(/:0$/, `:${port}`) : cfg.server.publicUrl;
    const credentials = await bootstrap(store, { home: cfg.home, publicUrl });

    const sweeper = new LeaseSweeper(store, {
      intervalMs: cfg.jobs.sweepIntervalMs,
      onError: (err) => app.log.warn({ err }, 'lease sweep failed'),
      onExpired: (count) => app.log.info({ count }, 'expired task leases given back or failed'),
    });
    sweeper.start();

    // The embedded agent speaks the same HTTP protocol as a standalone one, over loopback.
    const agentStop = new AbortController();
    let agent: Agent | undefined;
    if (cfg.agent.embedded) {
      // Loaded on use: the engine is heavy and a control plane without an embedded agent never needs it.
      const { startAgent } = await import('./agent-runtime.js');
      agent = await startAgent({
        credentials: { server: publicUrl, accountId: credentials['account-id'], agentId: credentials['agent-id'], agentSecret: credentials.agentSecret },
        workingEnvironments: [{ name: 'local', root: cfg.agent.volumesRoot }],
        concurrency: cfg.agent.concurrency,
        claimWaitMs: cfg.agent.claimWaitMs,
        discoverIntervalMs: cfg.agent.discoverIntervalMs,
        workers: cfg.agent.workers,
        stallMs: cfg.agent.stallMs,
        log: (level, msg, fields) => app.log[level]({ agent: 'embedded', ...fields }, msg),
        signal: agentStop.signal,
      });
    }

    let stopped = false;
    const stop = async (): Promise<void> => {
      if (stopped) return;
      stopped = true;
      agentStop.abort();
      await agent?.stop();
      await sweeper.stop();
      // In-flight requests get a grace period; sockets left open after it (clients gone silent) are cut.
      const cut = setTimeout(() => app.server.closeAllConnections(), 5000);
      cut.unref();
      await app.close();
      clearTimeout(cut);
      await store.close();
    };
    opts.signal?.addEventListener('abort', () => void stop(), { once: true });
    app.log.info({ address, home: cfg.home, store: store.dialect, account: credentials['account-id'] }, 'OpenCBS control plane listening');
    return { app, store, url: publicUrl, credentials: { server: credentials.server, 'account-id': credentials['account-id'], token: credentials.token, 'agent-id': credentials['agent-id'] }, stop };
  } catch (e) {
    await store.close().catch(() => undefined);
    throw e;
  }
}
