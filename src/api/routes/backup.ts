import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Volume, WorkingEnvironment } from '../../store/model.js';
import type { BackupRecord } from '../../store/backup-model.js';
import {
  activateBackup, backupOf, exportRepositoryKey, submitBackup, volumeOf, weOf, type OperationsDeps,
} from '../../operations/index.js';
import { AccountParamsSchema, CbsHeadersSchema, errorResponses, ErrorBodySchema } from '../schemas/common.js';
import { ADMINISTER, OPERATE } from '../plugins/roles.js';
import {
  ActivateBodySchema, BackedUpVolumeSchema, BackupNowBodySchema, BackupWeSchema, JobIdResponseSchema, MultiVolumeBodySchema, SnapshotSchema,
} from '../schemas/backup.js';
import { VolumeParamsSchema, WeParamsSchema } from '../schemas/working-environment.js';

const withConflict = { ...errorResponses, 409: ErrorBodySchema };

/**
 * Backup (docs/API.md, "Backup"): activation, backup now, multi-volume backup, and the
 * backups of a volume. Each long operation is one call of src/operations, which writes
 * its job and tasks in one transaction; the route answers 202 {job-id}.
 */
export const backupRoutes: FastifyPluginAsyncTypebox<{ ops: OperationsDeps }> = async (app, { ops }) => {
  const { store } = ops;

  app.post('/v3/backup/working-environment/:weId', {
    preHandler: ADMINISTER,
    schema: {
      summary: 'Activate backup on a working environment (initialises its repository)', tags: ['backup'],
      params: WeParamsSchema, headers: CbsHeadersSchema, body: ActivateBodySchema,
      response: { 202: JobIdResponseSchema, ...withConflict },
    },
  }, async (req, reply) => {
    const job = await activateBackup(ops, req.params.accountId, req.params.weId, req.body);
    return reply.status(202).send({ 'job-id': job.id });
  });

  app.get('/v1/backup/working-environment', {
    schema: {
      summary: 'Working environments and their backup state', tags: ['backup'],
      params: AccountParamsSchema, headers: CbsHeadersSchema,
      querystring: Type.Object({ partial: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      response: { 200: Type.Object({ 'working-environment': Type.Array(BackupWeSchema) }), ...errorResponses },
    },
  }, async (req) => {
    const wes = await store.listWorkingEnvironments(req.params.accountId);
    return { 'working-environment': await Promise.all(wes.map(renderBackupWe)) };
  });

  app.get('/v1/backup/working-environment/:weId', {
    schema: {
      summary: 'One working environment\'s backup state', tags: ['backup'],
      params: WeParamsSchema, headers: CbsHeadersSchema,
      querystring: Type.Object({ partial: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      response: { 200: BackupWeSchema, ...errorResponses },
    },
  }, async (req) => renderBackupWe(await weOf(store, req.params.accountId, req.params.weId)));

  app.get('/v1/backup/working-environment/:weId/volume', {
    schema: {
      summary: 'Volumes of a working environment with their backup state', tags: ['backup'],
      params: WeParamsSchema, headers: CbsHeadersSchema,
      response: { 200: Type.Object({ volume: Type.Array(BackedUpVolumeSchema) }), ...errorResponses },
    },
  }, async (req) => {
    const we = await weOf(store, req.params.accountId, req.params.weId);
    const volumes = await store.listVolumes(we.id);
    return { volume: await Promise.all(volumes.map((v) => renderBackedUpVolume(we, v))) };
  });

  app.get('/v1/backup/working-environment/:weId/volume/:volumeId', {
    schema: {
      summary: 'One volume with its backup state', tags: ['backup'],
      params: VolumeParamsSchema, headers: CbsHeadersSchema,
      response: { 200: BackedUpVolumeSchema, ...errorResponses },
    },
  }, async (req) => {
    const we = await weOf(store, req.params.accountId, req.params.weId);
    return renderBackedUpVolume(we, await volumeOf(store, we, req.params.volumeId));
  });

  app.post('/v3/backup/working-environment/:weId/volume/:volumeId', {
    preHandler: OPERATE,
    schema: {
      summary: 'Back up one volume now', tags: ['backup'],
      params: VolumeParamsSchema, headers: CbsHeadersSchema, body: BackupNowBodySchema,
      response: { 202: JobIdResponseSchema, ...withConflict },
    },
  }, async (req, reply) => {
    const job = await submitBackup(ops, {
      accountId: req.params.accountId, weId: req.params.weId, volumeIds: [req.params.volumeId], mode: req.body.mode, jobType: 'backup-volume',
      ...(req.body['adhoc-backup-details']?.name === undefined ? {} : { name: req.body['adhoc-backup-details'].name }),
    });
    return reply.status(202).send({ 'job-id': job.id });
  });

  app.post('/v2/backup/working-environment/:weId/volume', {
    preHandler: OPERATE,
    schema: {
      summary: 'Back up several volumes (one entry per volume in the job)', tags: ['backup'],
      params: WeParamsSchema, headers: CbsHeadersSchema, body: MultiVolumeBodySchema,
      response: { 202: JobIdResponseSchema, ...withConflict },
    },
  }, async (req, reply) => {
    const job = await submitBackup(ops, {
      accountId: req.params.accountId, weId: req.params.weId, volumeIds: req.body.volume.map((v) => v['volume-id']),
      mode: 'AD_HOC', jobType: 'multi-volume-backup',
    });
    return reply.status(202).send({ 'job-id': job.id });
  });

  app.get('/v1/backup/working-environment/:weId/volume/:volumeId/snapshot', {
    schema: {
      summary: 'The backups of a volume, newest first', tags: ['backup'],
      params: VolumeParamsSchema, headers: CbsHeadersSchema,
      response: { 200: Type.Object({ snapshot: Type.Array(SnapshotSchema) }), ...errorResponses },
    },
  }, async (req) => {
    const we = await weOf(store, req.params.accountId, req.params.weId);
    const v = await volumeOf(store, we, req.params.volumeId);
    const list = await store.listBackups(we.accountId, we.id, v.id);
    return { snapshot: list.reverse().map((b) => renderSnapshot(b, we, v)) };
  });

  app.get('/v1/backup/working-environment/:weId/volume/:volumeId/snapshot/:snapshotId', {
    schema: {
      summary: 'One backup of a volume', tags: ['backup'],
      params: Type.Object({ ...VolumeParamsSchema.properties, snapshotId: Type.String({ minLength: 1, maxLength: 128 }) }),
      headers: CbsHeadersSchema,
      response: { 200: SnapshotSchema, ...errorResponses },
    },
  }, async (req) => {
    const we = await weOf(store, req.params.accountId, req.params.weId);
    const v = await volumeOf(store, we, req.params.volumeId);
    return renderSnapshot(await backupOf(store, we, v, req.params.snapshotId), we, v);
  });

  app.get('/v1/backup/working-environment/:weId/key-export', {
    preHandler: ADMINISTER,
    schema: {
      summary: 'OpenCBS: the repository key of a WE as a key export, for restore without the server (`cbs repo --key-file`)',
      tags: ['backup'],
      params: WeParamsSchema, headers: CbsHeadersSchema,
      response: { 200: Type.Object({ 'key-export': Type.String(), location: Type.String(), bucket: Type.String() }), ...withConflict },
    },
  }, async (req) => {
    const r = await exportRepositoryKey(ops, req.params.accountId, req.params.weId);
    return { 'key-export': r.keyExport, location: r.location, bucket: r.bucket };
  });

  async function renderBackupWe(we: WorkingEnvironment): Promise<Static<typeof BackupWeSchema>> {
    const t = await store.getBackupTarget(we.accountId, we.id);
    const volumes = await store.listVolumes(we.id);
    let backedUp = 0;
    for (const v of volumes) if ((await store.listBackups(we.accountId, we.id, v.id)).length) backedUp++;
    return {
      id: we.id, name: we.name, type: 'LOCAL_FS', status: 'ON', provider: t?.provider ?? '', bucket: t?.bucket ?? '',
      region: typeof t?.options['region'] === 'string' ? t.options['region'] : '',
      'backup-enablement-status': t?.status ?? 'OFF', 'backed-up-volume-count': String(backedUp),
      'total-volumes-count': String(volumes.length), 'failed-backup-volume-count': '0',
      'auto-backup-enabled': t?.autoBackupEnabled ?? false,
      ...(t?.backupPolicy ? { 'backup-policy': t.backupPolicy } : {}),
      ...(t ? { 'job-id': t.jobId } : {}),
    };
  }

  async function renderBackedUpVolume(we: WorkingEnvironment, v: Volume): Promise<Static<typeof BackedUpVolumeSchema>> {
    const backups = await store.listBackups(we.accountId, we.id, v.id);
    const s = (await store.listVolumeStates(we.id)).find((x) => x.volumeId === v.id);
    const last = backups[backups.length - 1];
    return {
      'file-system-id': v.id, name: v.name, svm: we.svm, type: 'rw', style: 'local-fs',
      status: s?.status === 'missing' ? 'offline' : 'online', 'backup-status': backups.length ? 'ON' : 'OFF',
      ...(last ? { 'last-backup-creation-time': last.creationTime } : {}),
      'snapshot-count': String(backups.length),
      capacity: { allocated: String(s?.allocated ?? 0), used: String(s?.used ?? 0) },
    };
  }
};

function renderSnapshot(b: BackupRecord, we: WorkingEnvironment, v: Volume): Static<typeof SnapshotSchema> {
  return {
    id: b.id, name: b.name, 'creation-time': b.creationTime, size: b.size, archived: false, 'object-lock': 'NONE',
    'volume-id': v.id, 'volume-name': v.name, 'working-environment-id': we.id, 'working-environment-name': we.name, svm: we.svm,
  };
}
