import type { FastifyInstance } from 'fastify';
import { Registry, Counter, Histogram, Gauge, collectDefaultMetrics } from 'prom-client';
import { JOB_STATUSES } from '../../store/model.js';
import type { ApiStore } from '../deps.js';

/**
 * Prometheus metrics at GET /metrics: requests by route and status, request latency,
 * and jobs by status (read from the store at scrape time, so every instance on one
 * database reports the same numbers).
 */
export function installMetrics(app: FastifyInstance, store: ApiStore, prefix = 'cbs_'): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix });
  const requests = new Counter({
    name: `${prefix}http_requests_total`, help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const, registers: [registry],
  });
  const latency = new Histogram({
    name: `${prefix}http_request_duration_seconds`, help: 'HTTP request latency',
    labelNames: ['method', 'route'] as const, registers: [registry],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  });
  new Gauge({
    name: `${prefix}jobs`, help: 'Jobs in the store by status', labelNames: ['status'] as const, registers: [registry],
    async collect() {
      const counts = await store.countJobsByStatus();
      for (const s of JOB_STATUSES) this.set({ status: s }, counts[s] ?? 0);
    },
  });

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    requests.inc({ method: req.method, route, status: String(reply.statusCode) });
    latency.observe({ method: req.method, route }, reply.elapsedTime / 1000);
  });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
  return registry;
}
