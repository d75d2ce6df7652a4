import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CbsError } from '../../errors/index.js';
import { JOB_STATUSES, type JobStatus } from '../../store/model.js';
import type { ApiStore } from '../deps.js';
import { AccountIdSchema, CbsHeadersSchema, errorResponses, UuidSchema } from '../schemas/common.js';
import { JobListResponseSchema, JobStatusSchema } from '../schemas/job.js';
import { renderJob } from '../render/job.js';
import { decodeCursor, encodeCursor } from '../cursor.js';

/** GET …/v1/job/{jobId} (the seed of the contract) and GET …/v1/job. */
export const jobRoutes: FastifyPluginAsyncTypebox<{ store: ApiStore }> = async (app, { store }) => {
  app.get('/v1/job/:jobId', {
    schema: {
      summary: 'Retrieve particular job details',
      tags: ['job'],
      params: Type.Object({ accountId: AccountIdSchema, jobId: UuidSchema }),
      headers: CbsHeadersSchema,
      response: { 200: JobListResponseSchema, ...errorResponses },
    },
  }, async (req) => {
    const { accountId, jobId } = req.params;
    const job = await store.getJob(accountId, jobId.toLowerCase());
    if (!job) throw new CbsError('JOB_NOT_FOUND', `job ${jobId} not found`);
    return { job: [renderJob(job)] };
  });

  app.get('/v1/job', {
    schema: {
      summary: 'Retrieve jobs (newest first)',
      tags: ['job'],
      params: Type.Object({ accountId: AccountIdSchema }),
      headers: CbsHeadersSchema,
      querystring: Type.Object({
        type: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Job type' })),
        status: Type.Optional(JobStatusSchema),
        'working-environment-id': Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
        cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 400 })),
      }, { additionalProperties: false }),
      response: { 200: JobListResponseSchema, ...errorResponses },
    },
  }, async (req) => {
    const { accountId } = req.params;
    const q = req.query;
    const limit = q.limit ?? 100;
    const before = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
    const status = q.status as JobStatus | undefined;
    if (status !== undefined && !JOB_STATUSES.includes(status)) {
      throw new CbsError('VALIDATION_FAILED', 'query parameter "status" must be one of ' + JOB_STATUSES.join(', '));
    }
    const jobs = await store.listJobs(accountId, {
      limit: limit + 1,
      ...(q.type !== undefined ? { type: q.type } : {}),
      ...(status !== undefined ? { status } : {}),
      ...(q['working-environment-id'] !== undefined ? { workingEnvironmentId: q['working-environment-id'] } : {}),
      ...(before ? { before } : {}),
    });
    const page = jobs.slice(0, limit);
    const last = page[page.length - 1];
    return {
      job: page.map(renderJob),
      ...(jobs.length > limit && last ? { 'next-cursor': encodeCursor({ time: last.time, id: last.id }) } : {}),
    };
  });
};
