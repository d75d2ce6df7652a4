import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ProtectionContext } from '../protection/context.js';
import { callAgent } from '../protection/call-agent.js';
import { backupOf, volumeOf, weOf } from '../protection/lookups.js';
import { normalizeBrowsePath } from '../protection/paths.js';
import { CbsHeadersSchema, errorResponses } from '../schemas/common.js';
import { FileExploreQuerySchema, FileExploreResponseSchema } from '../schemas/file-explore.js';
import { VolumeParamsSchema } from '../schemas/working-environment.js';

interface Entry { inode: number; name: string; path: string; type: string; size: number; mtime: number }

/**
 * Browse a backup: GET …/v1/sfr/working-environment/{weId}/volume/{volumeId}/snapshot/{snapshotId}/file-explore/list.
 * The listing comes from the WE's agent (an agent call `list-snapshot`), which opens the
 * repository with the key only it is handed; the control plane pages the answer. The
 * entries are what a file restore body echoes back (`path`, `inode`, `type`, `size`, `mtime`).
 */
export const fileExploreRoutes: FastifyPluginAsyncTypebox<{ ctx: ProtectionContext }> = async (app, { ctx }) => {
  const { store } = ctx;
  app.get('/v1/sfr/working-environment/:weId/volume/:volumeId/snapshot/:snapshotId/file-explore/list', {
    schema: {
      summary: 'List a directory of a backup (paginated)', tags: ['sfr'],
      params: Type.Object({ ...VolumeParamsSchema.properties, snapshotId: Type.String({ minLength: 1, maxLength: 128 }) }),
      headers: CbsHeadersSchema, querystring: FileExploreQuerySchema,
      response: { 200: FileExploreResponseSchema, ...errorResponses },
    },
  }, async (req) => {
    const we = await weOf(store, req.params.accountId, req.params.weId);
    const v = await volumeOf(store, we, req.params.volumeId);
    const b = await backupOf(store, we, v, req.params.snapshotId);
    const path = normalizeBrowsePath(req.query.path, 'path');
    const page = req.query.page ?? 1;
    const limit = req.query.limit ?? 100;
    const q = req.query;
    let all = (await callAgent(ctx, { accountId: we.accountId, agentId: we.agentId }, 'list-snapshot', { weId: we.id, snapshotId: b.id, path })) as Entry[];
    if (q.fileType === 'FILE') all = all.filter((e) => e.type !== 'DIRECTORY');
    if (q.fileType === 'DIRECTORY') all = all.filter((e) => e.type === 'DIRECTORY');
    if (q.name) { const needle = q.name.toLowerCase(); all = all.filter((e) => e.name.toLowerCase().includes(needle)); }
    const key = q.sortBy ?? 'name';
    const dir = q.orderBy === 'DESC' ? -1 : 1;
    all.sort((x, y) => dir * (x[key] < y[key] ? -1 : x[key] > y[key] ? 1 : x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
    const start = Math.min((page - 1) * limit, all.length);
    const end = Math.min(start + limit, all.length);
    return {
      pageConfig: {
        ...(end < all.length ? { next: { page: page + 1, limit } } : {}),
        ...(page > 1 ? { previous: { page: page - 1, limit } } : {}),
        startIndex: start, endIndex: end, total: all.length,
      },
      context: all.slice(start, end),
    };
  });
};
