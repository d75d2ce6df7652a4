import { randomBytes, randomUUID } from 'node:crypto';
import { isAbsolute, join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CbsError } from '../../errors/index.js';
import type { Volume, WorkingEnvironment } from '../../store/model.js';
import type { BackupRecord, BackupTarget } from '../../store/protection-model.js';
import type { ProtectionContext } from '../protection/context.js';
import { activeTargetOf, backupOf, effectiveTargetStatus, volumeOf, weOf } from '../protection/lookups.js';
import { CbsHeadersSchema, errorResponses, ErrorBodySchema } from '../schemas/common.js';
import { ADMINISTER, OPERATE } from '../protection/roles.js';
import { callAgent } from '../protection/call-agent.js';
import {
  ActivateBodySchema, BackedUpVolumeSchema, BackupNowBodySchema, BackupWeSchema, JobIdResponseSchema, MultiVolumeBodySchema, SnapshotSchema,
} from '../schemas/backup.js';
import { VolumeParamsSchema, WeParamsSchema } from '../schemas/working-environment.js';

const withConflict = { ...errorResponses, 409: ErrorBodySchema };
type ActivateBody = Static<typeof ActivateBodySchema>;

/**
 * Backup (DESIGN.md §3.3): activation, backup now, multi-volume backup, and the backups
 * of a volume. Each long operation writes its job and tasks in one transaction and
 * answers 202 {job-id}; the WE's agent does the work.
 */
export const backupRoutes: FastifyPluginAsyncTypebox<{ ctx: ProtectionContext }> = async (app, { ctx }) => {
  const { store, options, notifier } = ctx;
  const AccountParams = Type.Object({ accountId: Type.String({ pattern: '^account-[A-Za-z0-9]{8}$' }) });

  app.post('/v3/backup/working-environment/:weId', {
    preHandler: ADMINISTER,
    schema: {
      summary: 'Activate backup on a working environment (initialises its repository)', tags: ['backup'],
      params: WeParamsSchema, headers: CbsHeadersSchema, body: ActivateBodySchema,
      response: { 202: JobIdResponseSchema, ...withConflict },
    },
  }, async (req, reply) => {
    const we = await weOf(store, req.params.accountId, req.params.weId);
    const body = req.body;
    // An activation whose job failed (even by lease expiry) may be repeated: mark it FAILED so it is replaced.
    const prev = await store.getBackupTarget(we.accountId, we.id);
    if (prev && prev.status === 'ACTIVATING' && (await effectiveTargetStatus(store, prev)) === 'FAILED') {
      await store.setBackupTargetStatus(we.id, 'FAILED');
    }
    const { location, options: provOptions, credentials } = providerLocation(body, options.bucketsRoot);
    const target: BackupTarget = {
      workingEnvironmentId: we.id, accountId: we.accountId, provider: body.provider, bucket: body.bucket, location,
      wrappedKey: ctx.keys.wrap(randomBytes(32)), options: provOptions,
      ...(credentials ? { wrappedCredentials: ctx.keys.wrap(Buffer.from(JSON.stringify(credentials))) } : {}),
      ...(body['backup-policy'] ? { backupPolicy: body['backup-policy'] as Record<string, unknown> } : {}),
      autoBackupEnabled: body['auto-backup-enabled'] ?? false, status: 'ACTIVATING', jobId: '', createdAt: Date.now(),
    };
    const jobId = randomUUID();
    target.jobId = jobId;
    const job = await store.activateBackup(target, {
      id: jobId, accountId: we.accountId, workingEnvironmentId: we.id, type: 'backup-working-environment',
      tasks: [{ agentId: we.agentId, kind: 'init-repository', payload: { weId: we.id }, maxAttempts: options.maxAttempts }],
    });
    notifier.notify(we.agentId);
    return reply.status(202).send({ 'job-id': job.id });
  });

  app.get('/v1/backup/working-environment', {
    schema: {
      summary: 'Working environments and their backup state', tags: ['backup'],
      params: AccountParams, headers: CbsHeadersSchema,
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
    const we = await weOf(store, req.params.accountId, req.params.weId);
    const v = await volumeOf(store, we, req.params.volumeId);
    await activeTargetOf(store, we);
    const name = req.body['adhoc-backup-details']?.name ?? defaultBackupName(v.name);
    const job = await store.createJob({
      accountId: we.accountId, workingEnvironmentId: we.id, type: 'backup-volume',
      entries: [{ id: v.id, kind: 'volume', name: v.name }],
      tasks: [{ agentId: we.agentId, kind: 'backup-volume', entryIndex: 0, maxAttempts: options.maxAttempts, payload: { weId: we.id, volumeId: v.id, volumeName: v.name, backupName: name } }],
    });
    notifier.notify(we.agentId);
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
    const we = await weOf(store, req.params.accountId, req.params.weId);
    const seen = new Set<string>();
    const vols: Volume[] = [];
    for (const [i, item] of req.body.volume.entries()) {
      const v = await volumeOf(store, we, item['volume-id']);
      if (seen.has(v.id)) throw new CbsError('VALIDATION_FAILED', `body field "volume.${i}.volume-id" repeats volume ${v.id}`, { details: { field: `volume.${i}.volume-id` } });
      seen.add(v.id);
      vols.push(v);
    }
    await activeTargetOf(store, we);
    const job = await store.createJob({
      accountId: we.accountId, workingEnvironmentId: we.id, type: 'multi-volume-backup',
      entries: vols.map((v) => ({ id: v.id, kind: 'volume' as const, name: v.name })),
      tasks: vols.map((v, i) => ({
        agentId: we.agentId, kind: 'backup-volume', entryIndex: i, maxAttempts: options.maxAttempts,
        payload: { weId: we.id, volumeId: v.id, volumeName: v.name, backupName: defaultBackupName(v.name) },
      })),
    });
    notifier.notify(we.agentId);
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
    const we = await weOf(store, req.params.accountId, req.params.weId);
    const t = await activeTargetOf(store, we);
    // The control plane holds only the wrapping secret; the agent opens the repository and exports its master key.
    const r = (await callAgent(ctx, { accountId: we.accountId, agentId: we.agentId }, 'export-key', { weId: we.id })) as { keyExport: string };
    return { 'key-export': r.keyExport, location: t.location, bucket: t.bucket };
  });

  async function renderBackupWe(we: WorkingEnvironment): Promise<Static<typeof BackupWeSchema>> {
    const t = await store.getBackupTarget(we.accountId, we.id);
    const status = t ? await effectiveTargetStatus(store, t) : undefined;
    const volumes = await store.listVolumes(we.id);
    let backedUp = 0;
    for (const v of volumes) if ((await store.listBackups(we.accountId, we.id, v.id)).length) backedUp++;
    return {
      id: we.id, name: we.name, type: 'LOCAL_FS', status: 'ON', provider: t?.provider ?? '', bucket: t?.bucket ?? '',
      region: typeof t?.options['region'] === 'string' ? t.options['region'] : '',
      'backup-enablement-status': status ?? 'OFF', 'backed-up-volume-count': String(backedUp),
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

/** e.g. `vol1-20261128T101500Z`: sortable, readable, unique per second per volume. */
export function defaultBackupName(volumeName: string, now = new Date()): string {
  return `${volumeName}-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')}`;
}

/** Where the repository lives for each provider, what of it is secret, what is not. */
function providerLocation(body: ActivateBody, bucketsRoot: string): { location: string; options: Record<string, unknown>; credentials?: Record<string, string> } {
  const need = <T>(v: T | undefined, field: string): T => {
    if (v === undefined) throw new CbsError('VALIDATION_FAILED', `body field "${field}" is required when provider is ${body.provider}`, { details: { field } });
    return v;
  };
  switch (body.provider) {
    case 'LOCAL': {
      const root = body.local?.path ?? join(bucketsRoot, body.bucket);
      if (!isAbsolute(root)) throw new CbsError('VALIDATION_FAILED', 'body field "local.path" must be absolute', { details: { field: 'local.path' } });
      return { location: `local:${root}`, options: {} };
    }
    case 'SGWS': {
      const s = need(body.sgws, 'sgws');
      return { location: `s3:${serverUrl(s['storage-server'], 'sgws.storage-server')}/${body.bucket}`, options: { region: body.region ?? 'us-east-1' }, credentials: { accessKeyId: s['access-key'], secretAccessKey: s['secret-password'] } };
    }
    case 'ONTAP_S3': {
      const s = need(body['ontap-s3'], 'ontap-s3');
      return { location: `s3:${serverUrl(s['storage-server'], 'ontap-s3.storage-server')}/${body.bucket}`, options: { region: body.region ?? 'us-east-1' }, credentials: { accessKeyId: s['access-key'], secretAccessKey: s['secret-password'] } };
    }
    case 'AWS': {
      const a = need(body.aws, 'aws');
      const region = need(body.region, 'region');
      return {
        location: `s3:${body.bucket}`, options: { region },
        credentials: { accessKeyId: need(a['access-key'], 'aws.access-key'), secretAccessKey: need(a['secret-password'], 'aws.secret-password') },
      };
    }
    default:
      throw new CbsError('VALIDATION_FAILED', 'body field "provider" must be LOCAL, AWS, SGWS or ONTAP_S3', { details: { field: 'provider' } });
  }
}

function serverUrl(s: string, field: string): string {
  const withScheme = /^https?:\/\//i.test(s) ? s : `https://${s}`;
  try {
    const u = new URL(withScheme);
    return `${u.protocol}//${u.host}`;
  } catch (e) {
    throw new CbsError('VALIDATION_FAILED', `body field "${field}" is not a host or URL`, { details: { field }, cause: e });
  }
}
