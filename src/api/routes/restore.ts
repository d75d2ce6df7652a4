import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Job } from '../../store/model.js';
import { submitRestore, type OperationsDeps } from '../../operations/index.js';
import { AccountParamsSchema, CbsHeadersSchema, errorResponses, ErrorBodySchema } from '../schemas/common.js';
import { OPERATE } from '../plugins/roles.js';
import { JobIdResponseSchema } from '../schemas/backup.js';
import { RestoreBodySchema, RestoreStatusItemSchema } from '../schemas/restore.js';
import { renderJob } from '../render/job.js';

/**
 * POST …/v1|v2|v3/restore and GET …/v1/restore/status (docs/API.md, "Restore and
 * browse"). The restore is planned and submitted by operations/plan-restore.ts.
 */
export const restoreRoutes: FastifyPluginAsyncTypebox<{ ops: OperationsDeps }> = async (app, { ops }) => {
  for (const version of ['v1', 'v2', 'v3']) {
    app.post(`/${version}/restore`, {
      preHandler: OPERATE,
      schema: {
        summary: `Restore a volume, a folder or files (${version})`, tags: ['restore'],
        params: AccountParamsSchema, headers: CbsHeadersSchema, body: RestoreBodySchema,
        response: { 202: JobIdResponseSchema, ...errorResponses, 409: ErrorBodySchema },
      },
    }, async (req, reply) => {
      const job = await submitRestore(ops, req.params.accountId, req.body.restore);
      return reply.status(202).send({ 'job-id': job.id });
    });
  }

  app.get('/v1/restore/status', {
    schema: {
      summary: 'The account\'s restore jobs, newest first', tags: ['restore'],
      params: AccountParamsSchema, headers: CbsHeadersSchema,
      response: { 200: Type.Object({ job: Type.Array(RestoreStatusItemSchema) }), ...errorResponses },
    },
  }, async (req) => {
    const jobs: Job[] = [];
    for (const type of ['restore-volume', 'restore-file', 'restore-folder']) {
      jobs.push(...await ops.store.listJobs(req.params.accountId, { type, limit: 100 }));
    }
    jobs.sort((a, b) => b.time - a.time || (a.id < b.id ? 1 : -1));
    return {
      job: jobs.slice(0, 100).map((j) => {
        const r = renderJob(j);
        const restore = r.data?.restore;
        return {
          id: r.id, status: r.status, error: r.error, time: r.time,
          ...(r['start-time'] !== undefined ? { 'start-time': r['start-time'] } : {}),
          ...(r['end-time'] !== undefined ? { 'end-time': r['end-time'] } : {}),
          data: {
            restore: {
              type: restore?.type ?? '', source: restore?.source ?? {}, target: restore?.target ?? {},
              file: (restore?.batch ?? []).flatMap((b) => b.file),
            },
          },
        };
      }),
    };
  });
};
