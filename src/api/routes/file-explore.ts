import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { browseBackup, type OperationsDeps } from '../../operations/index.js';
import { CbsHeadersSchema, errorResponses } from '../schemas/common.js';
import { FileExploreQuerySchema, FileExploreResponseSchema } from '../schemas/file-explore.js';
import { VolumeParamsSchema } from '../schemas/working-environment.js';

/**
 * Browse a backup: GET …/v1/sfr/working-environment/{weId}/volume/{volumeId}/snapshot/{snapshotId}/file-explore/list.
 * The page comes from the WE's agent (an agent call `list-snapshot` that carries the
 * page, its filters and order), which opens the repository with the key only it is
 * handed. The entries are what a file restore body echoes back (`path`, `inode`,
 * `type`, `size`, `mtime`).
 */
export const fileExploreRoutes: FastifyPluginAsyncTypebox<{ ops: OperationsDeps }> = async (app, { ops }) => {
  app.get('/v1/sfr/working-environment/:weId/volume/:volumeId/snapshot/:snapshotId/file-explore/list', {
    schema: {
      summary: 'List a directory of a backup (paginated)', tags: ['sfr'],
      params: Type.Object({ ...VolumeParamsSchema.properties, snapshotId: Type.String({ minLength: 1, maxLength: 128 }) }),
      headers: CbsHeadersSchema, querystring: FileExploreQuerySchema,
      response: { 200: FileExploreResponseSchema, ...errorResponses },
    },
  }, async (req) => {
    const q = req.query;
    const page = q.page ?? 1;
    const limit = q.limit ?? 100;
    const r = await browseBackup(ops, {
      accountId: req.params.accountId, weId: req.params.weId, volumeId: req.params.volumeId, snapshotId: req.params.snapshotId,
      page, limit,
      ...(q.path === undefined ? {} : { path: q.path }), ...(q.sortBy === undefined ? {} : { sortBy: q.sortBy }),
      ...(q.orderBy === undefined ? {} : { orderBy: q.orderBy }), ...(q.fileType === undefined ? {} : { fileType: q.fileType }),
      ...(q.name === undefined ? {} : { name: q.name }),
    });
    return {
      pageConfig: {
        ...(r.endIndex < r.total ? { next: { page: page + 1, limit } } : {}),
        ...(page > 1 ? { previous: { page: page - 1, limit } } : {}),
        startIndex: r.startIndex, endIndex: r.endIndex, total: r.total,
      },
      context: r.entries,
    };
  });
};
