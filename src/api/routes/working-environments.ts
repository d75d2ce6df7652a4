import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DEFAULTS } from '../../config/defaults.js';
import type { WorkingEnvironment } from '../../store/model.js';
import { MAX_BROWSE_PAGE } from '../../tasks/index.js';
import { browseLive, weOf, type OperationsDeps } from '../../operations/index.js';
import { decodeNameCursor, encodeNameCursor } from '../cursor.js';
import { AccountParamsSchema, CbsHeadersSchema, errorResponses } from '../schemas/common.js';
import {
  BrowsePathSchema, LiveEntrySchema, VolumeParamsSchema, VolumeSchema, WeParamsSchema, WorkingEnvironmentSchema,
} from '../schemas/working-environment.js';

/**
 * GET …/v1/working-environment[/{weId}], …/{weId}/volume, …/{weId}/volume/{volumeId}/list.
 * WEs and volumes are what their agents registered and last reported; the live browse
 * asks the agent a page at a time (the control plane never reads volume data).
 */
export const workingEnvironmentRoutes: FastifyPluginAsyncTypebox<{ ops: OperationsDeps }> = async (app, { ops }) => {
  const { store } = ops;

  async function render(we: WorkingEnvironment) {
    const [agent, volumes, states] = await Promise.all([store.getAgent(we.agentId), store.listVolumes(we.id), store.listVolumeStates(we.id)]);
    const online = states.filter((s) => s.status === 'online').length;
    return {
      id: we.id, name: we.name, 'cluster-uuid': we.id, region: '', 'ontap-version': '', type: 'LOCAL_FS', provider: 'LOCAL',
      'provider-account-id': '', status: agent?.lastSeenAt !== undefined && agent.lastSeenAt > Date.now() - DEFAULTS.agentOnlineMs ? 'ON' : 'OFF',
      'total-volumes-count': String(states.length ? online : volumes.length), svm: we.svm, 'agent-id': we.agentId,
    };
  }

  app.get('/v1/working-environment', {
    schema: {
      summary: 'List working environments', tags: ['working-environment'],
      params: AccountParamsSchema, headers: CbsHeadersSchema,
      querystring: Type.Object({ partial: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      response: { 200: Type.Object({ 'working-environment': Type.Array(WorkingEnvironmentSchema) }), ...errorResponses },
    },
  }, async (req) => {
    const wes = await store.listWorkingEnvironments(req.params.accountId);
    return { 'working-environment': await Promise.all(wes.map(render)) };
  });

  app.get('/v1/working-environment/:weId', {
    schema: {
      summary: 'One working environment', tags: ['working-environment'],
      params: WeParamsSchema, headers: CbsHeadersSchema,
      querystring: Type.Object({ partial: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      response: { 200: WorkingEnvironmentSchema, ...errorResponses },
    },
  }, async (req) => render(await weOf(store, req.params.accountId, req.params.weId)));

  app.get('/v1/working-environment/:weId/volume', {
    schema: {
      summary: 'All volumes of a working environment (backed up or not)', tags: ['working-environment'],
      params: WeParamsSchema, headers: CbsHeadersSchema,
      response: { 200: Type.Object({ volume: Type.Array(VolumeSchema) }), ...errorResponses },
    },
  }, async (req) => {
    const we = await weOf(store, req.params.accountId, req.params.weId);
    const [volumes, states] = await Promise.all([store.listVolumes(we.id), store.listVolumeStates(we.id)]);
    const st = new Map(states.map((s) => [s.volumeId, s]));
    return {
      volume: volumes.map((v) => {
        const s = st.get(v.id);
        return {
          name: v.name, 'file-system-id': v.id, status: s?.status === 'missing' ? 'offline' : 'online', svm: we.svm,
          type: 'rw', style: 'local-fs', capacity: { allocated: s?.allocated ?? 0, used: s?.used ?? 0 },
        };
      }),
    };
  });

  app.get('/v1/working-environment/:weId/volume/:volumeId/list', {
    schema: {
      summary: 'Browse the live volume (asks its agent), in name order, a page at a time', tags: ['working-environment'],
      params: VolumeParamsSchema, headers: CbsHeadersSchema,
      querystring: Type.Object({
        path: Type.Optional(BrowsePathSchema),
        svm: Type.Optional(Type.String({ maxLength: 128 })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_BROWSE_PAGE, description: `OpenCBS: entries per page (default and most ${MAX_BROWSE_PAGE})` })),
        cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 1400, description: 'OpenCBS: `next-cursor` of the previous page' })),
      }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          context: Type.Array(LiveEntrySchema),
          total: Type.Integer({ description: 'OpenCBS: entries in the directory' }),
          'next-cursor': Type.Optional(Type.String({ description: 'OpenCBS: present when entries follow; pass as `cursor`' })),
        }),
        ...errorResponses,
      },
    },
  }, async (req) => {
    const q = req.query;
    const r = await browseLive(ops, {
      accountId: req.params.accountId, weId: req.params.weId, volumeId: req.params.volumeId, limit: q.limit ?? MAX_BROWSE_PAGE,
      ...(q.path === undefined ? {} : { path: q.path }), ...(q.cursor === undefined ? {} : { after: decodeNameCursor(q.cursor) }),
    });
    const last = r.entries[r.entries.length - 1];
    return { context: r.entries, total: r.total, ...(r.more && last ? { 'next-cursor': encodeNameCursor(last.name) } : {}) };
  });
};
