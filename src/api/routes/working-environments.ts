import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { WorkingEnvironment } from '../../store/model.js';
import type { ProtectionContext } from '../protection/context.js';
import { callAgent } from '../protection/call-agent.js';
import { volumeOf, weOf } from '../protection/lookups.js';
import { CbsHeadersSchema, errorResponses } from '../schemas/common.js';
import {
  BrowsePathSchema, LiveEntrySchema, VolumeParamsSchema, VolumeSchema, WeParamsSchema, WorkingEnvironmentSchema,
} from '../schemas/working-environment.js';
import { normalizeBrowsePath } from '../protection/paths.js';

/** An agent seen within this long is ON. */
const AGENT_ONLINE_MS = 60_000;

/**
 * GET …/v1/working-environment[/{weId}], …/{weId}/volume, …/{weId}/volume/{volumeId}/list.
 * WEs and volumes are what their agents registered and last reported; the live browse
 * asks the agent (the control plane never reads volume data).
 */
export const workingEnvironmentRoutes: FastifyPluginAsyncTypebox<{ ctx: ProtectionContext }> = async (app, { ctx }) => {
  const { store } = ctx;
  const AccountParams = Type.Object({ accountId: Type.String({ pattern: '^account-[A-Za-z0-9]{8}$' }) });

  async function render(we: WorkingEnvironment) {
    const [agent, volumes, states] = await Promise.all([store.getAgent(we.agentId), store.listVolumes(we.id), store.listVolumeStates(we.id)]);
    const online = states.filter((s) => s.status === 'online').length;
    return {
      id: we.id, name: we.name, 'cluster-uuid': we.id, region: '', 'ontap-version': '', type: 'LOCAL_FS', provider: 'LOCAL',
      'provider-account-id': '', status: agent?.lastSeenAt !== undefined && agent.lastSeenAt > Date.now() - AGENT_ONLINE_MS ? 'ON' : 'OFF',
      'total-volumes-count': String(states.length ? online : volumes.length), svm: we.svm, 'agent-id': we.agentId,
    };
  }

  app.get('/v1/working-environment', {
    schema: {
      summary: 'List working environments', tags: ['working-environment'],
      params: AccountParams, headers: CbsHeadersSchema,
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
      summary: 'Browse the live volume (asks its agent)', tags: ['working-environment'],
      params: VolumeParamsSchema, headers: CbsHeadersSchema,
      querystring: Type.Object({ path: Type.Optional(BrowsePathSchema), svm: Type.Optional(Type.String({ maxLength: 128 })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ context: Type.Array(LiveEntrySchema) }), ...errorResponses },
    },
  }, async (req) => {
    const we = await weOf(store, req.params.accountId, req.params.weId);
    const v = await volumeOf(store, we, req.params.volumeId);
    const path = normalizeBrowsePath(req.query.path, 'path');
    const entries = await callAgent(ctx, { accountId: we.accountId, agentId: we.agentId }, 'list-live', { weId: we.id, volumeName: v.name, path });
    return { context: entries as Array<{ inode: number; name: string; type: string; size: number; mtime: number }> };
  });
};
