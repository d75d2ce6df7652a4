import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/index.js';
import { buildApp } from '../api/index.js';
import { openJobStore } from '../store/open.js';
import type { JobStore } from '../store/job-store.js';
import { bootstrap, ensureAdminToken, openTokenKeys } from './bootstrap.js';
import { LeaseSweeper } from '../jobs/index.js';
import { JwksTokenVerifier, OwnOrIssuerTokenVerifier } from '../auth/index.js';
import { credentialsPath, type Credentials } from './credentials.js';
import { openKeyVault } from './key-vault.js';
import { ensurePrivateDir, readPrivateFile } from './private-files.js';
import type { Agent } from '../agent/index.js';

/** The web console `npm run build` writes beside the compiled server (dist/web). */
const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly store: JobStore;
  readonly url: string;
  readonly credentials: Credentials;
  stop(): Promise<void>;
}

/**
 * `cbs serve`: makes its state directory private, opens the store, applies
 * migrations, loads the token secret and the key-encryption key from their files
 * (refusing to start when they are not the store's), bootstraps the account and the
 * embedded agent identity, serves the API, and sweeps expired task leases so no job
 * stays IN_PROGRESS after its agent died.
 */
export async function startServer(cfg: Config, opts: { signal?: AbortSignal } = {}): Promise<RunningServer> {
  const notes: string[] = [];
  const note = (n: string | undefined): void => { if (n !== undefined) notes.push(n); };
  note(await ensurePrivateDir(cfg.home, 'CBS_HOME'));
  // Older versions made these readable by others; a bucket root that is not ours to tighten is left as it is.
  note(await ensurePrivateDir(cfg.bucketsRoot, 'buckets root').catch((e: Error) => `buckets root left as it is: ${e.message}`));
  await readPrivateFile(credentialsPath(cfg.home), 'credentials file', note);
  const store = await openJobStore({ url: cfg.store.url, agentGoneAfterMs: cfg.jobs.agentGoneMs });
  try {
    await store.migrate();
    const tokenKeys = await openTokenKeys(store, { tokenSecretFile: cfg.secrets.tokenSecretFile, maxTtlSeconds: cfg.tokens.maxTtlSeconds, onNote: note });
    const own = tokenKeys.service;
    const tokens = cfg.oidc ? new OwnOrIssuerTokenVerifier(own, new JwksTokenVerifier({ ...cfg.oidc, maxTtlSeconds: cfg.tokens.maxTtlSeconds })) : own;
    const keys = await openKeyVault(store, { kekFile: cfg.secrets.kekFile, onNote: note });
    const app = await buildApp({
      store,
      tokens,
      tokenMaxTtlSeconds: cfg.tokens.maxTtlSeconds,
      keys,
      operations: {
        leaseMs: cfg.jobs.leaseMs,
        bucketsRoot: cfg.bucketsRoot,
        maxAttempts: cfg.jobs.maxAttempts,
        agentCallTimeoutMs: cfg.jobs.agentCallTimeoutMs,
      },
      bodyLimit: cfg.server.bodyLimit,
      logger: cfg.logLevel === 'silent' ? false : { level: cfg.logLevel },
      webRoot: WEB_ROOT,
    });
    const address = await app.listen({ host: cfg.server.host, port: cfg.server.port });
    const port = (app.server.address() as { port: number }).port;
    const publicUrl = cfg.server.port === 0 ? cfg.server.publicUrl.replace(/:0$/, `:${port}`) : cfg.server.publicUrl;
    for (const n of notes) app.log.warn(n);
    const credentials = await bootstrap(store, { home: cfg.home, publicUrl, keys: tokenKeys });
    // The admin token in credentials.json is bounded like any other: renewed before half its lifetime is left.
    const renewEveryMs = Math.max(1000, Math.min(3_600_000, (cfg.tokens.maxTtlSeconds * 1000) / 4));
    const renewer = setInterval(() => {
      ensureAdminToken(store, { home: cfg.home, publicUrl, keys: tokenKeys, accountId: credentials['account-id'], agentId: credentials['agent-id'] })
        .catch((err: unknown) => app.log.warn({ err }, 'admin token renewal failed'));
    }, renewEveryMs);
    renewer.unref();

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
      clearInterval(renewer);
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
