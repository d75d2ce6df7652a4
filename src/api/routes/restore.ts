import { randomUUID } from 'node:crypto';
import { posix } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CbsError } from '../../errors/index.js';
import type { Job, NewJob, RestoreFile } from '../../store/model.js';
import type { ProtectionContext } from '../protection/context.js';
import { activeTargetOf, volumeOf, weOf } from '../protection/lookups.js';
import { normalizeBrowsePath } from '../protection/paths.js';
import { CbsHeadersSchema, errorResponses, ErrorBodySchema } from '../schemas/common.js';
import { OPERATE } from '../protection/roles.js';
import { JobIdResponseSchema } from '../schemas/backup.js';
import { RestoreBodySchema, RestoreStatusItemSchema } from '../schemas/restore.js';
import { renderJob } from '../render/job.js';

type RestoreBody = Static<typeof RestoreBodySchema>;

/**
 * How a file restore is split into batches (each batch one task and one `batch[]`
 * entry): files in request order; a batch closes at RESTORE_BATCH_FILES files or when
 * the next file would take it past RESTORE_BATCH_BYTES (a single larger file is a batch
 * of its own). Small batches report progress and fail independently; large enough ones
 * keep the per-task cost (a claim, a repository open) small against the data moved.
 */
export const RESTORE_BATCH_FILES = 100;
export const RESTORE_BATCH_BYTES = 1024 * 1024 * 1024;

export function splitIntoBatches<T extends { size: number }>(files: readonly T[], maxFiles = RESTORE_BATCH_FILES, maxBytes = RESTORE_BATCH_BYTES): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let bytes = 0;
  for (const f of files) {
    if (cur.length > 0 && (cur.length >= maxFiles || bytes + f.size > maxBytes)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(f);
    bytes += f.size;
  }
  if (cur.length) out.push(cur);
  return out;
}

/**
 * POST …/v1|v2|v3/restore and GET …/v1/restore/status (DESIGN.md §3.4).
 *  volume  a new volume `target.volume-name` on the target WE (409 when the name is taken)
 *  folder  `file[0].path` (one folder) restored as `<target.path>/<folder name>` in an existing volume
 *  file    each `file[].path` restored as `<target.path>/<file name>` in an existing volume, in batches
 *  (with `target.retain-source-path: true`, folders and files keep their source path under `<target.path>`)
 * The task runs on the target WE's agent, which reads the source WE's repository.
 */
export const restoreRoutes: FastifyPluginAsyncTypebox<{ ctx: ProtectionContext }> = async (app, { ctx }) => {
  const { store, options, notifier } = ctx;
  const AccountParams = Type.Object({ accountId: Type.String({ pattern: '^account-[A-Za-z0-9]{8}$' }) });

  for (const version of ['v1', 'v2', 'v3']) {
    app.post(`/${version}/restore`, {
      preHandler: OPERATE,
      schema: {
        summary: `Restore a volume, a folder or files (${version})`, tags: ['restore'],
        params: AccountParams, headers: CbsHeadersSchema, body: RestoreBodySchema,
        response: { 202: JobIdResponseSchema, ...errorResponses, 409: ErrorBodySchema },
      },
    }, async (req, reply) => {
      const job = await store.createJob(await planRestore(req.params.accountId, req.body));
      const we = await store.getWorkingEnvironment(req.params.accountId, job.workingEnvironmentId);
      if (we) notifier.notify(we.agentId);
      return reply.status(202).send({ 'job-id': job.id });
    });
  }

  app.get('/v1/restore/status', {
    schema: {
      summary: 'The account\'s restore jobs, newest first', tags: ['restore'],
      params: AccountParams, headers: CbsHeadersSchema,
      response: { 200: Type.Object({ job: Type.Array(RestoreStatusItemSchema) }), ...errorResponses },
    },
  }, async (req) => {
    const jobs: Job[] = [];
    for (const type of ['restore-volume', 'restore-file', 'restore-folder']) {
      jobs.push(...await store.listJobs(req.params.accountId, { type, limit: 100 }));
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

  async function planRestore(accountId: string, body: RestoreBody): Promise<NewJob> {
    const r = body.restore;
    const type = r.type.toLowerCase();
    if (type !== 'volume' && type !== 'file' && type !== 'folder') {
      throw new CbsError('VALIDATION_FAILED', 'body field "restore.type" must be volume, file or folder', { details: { field: 'restore.type' } });
    }
    const srcWe = await weOf(store, accountId, r.source['working-environment-id']);
    const srcVol = await volumeOf(store, srcWe, r.source['volume-id']);
    const srcTarget = await activeTargetOf(store, srcWe);
    const backups = await store.listBackups(accountId, srcWe.id, srcVol.id);
    const backup = backups.find((b) => b.id === r.source.snapshot) ?? backups.find((b) => b.name === r.source.snapshot);
    if (!backup) throw new CbsError('SNAPSHOT_NOT_FOUND', `backup ${r.source.snapshot} of volume ${srcVol.id} not found`);

    const dstWe = await weOf(store, accountId, r.target['working-environment-id']);
    const dstName = r.target['volume-name'];
    const dstVolumes = await store.listVolumes(dstWe.id);
    const states = new Map((await store.listVolumeStates(dstWe.id)).map((s) => [s.volumeId, s.status]));
    const existing = dstVolumes.find((v) => v.name === dstName && states.get(v.id) !== 'missing');
    const targetPath = normalizeBrowsePath(r.target.path, 'restore.target.path');

    const source = {
      workingEnvironmentId: srcWe.id, workingEnvironmentName: srcWe.name, bucket: srcTarget.bucket,
      volumeId: srcVol.id, volumeName: srcVol.name, snapshot: backup.id,
    };
    const base = { sourceWeId: srcWe.id, sourceVolumeId: srcVol.id, snapshotId: backup.id, targetWeId: dstWe.id, targetVolumeName: dstName, retainSourcePath: r.target['retain-source-path'] === true };
    const target = { workingEnvironmentId: dstWe.id, workingEnvironmentName: dstWe.name, svm: dstWe.svm, volumeName: dstName };

    if (type === 'volume') {
      if (existing) throw new CbsError('CONFLICT', `volume "${dstName}" already exists on working environment ${dstWe.id}`);
      if (r.file) throw new CbsError('VALIDATION_FAILED', 'body field "restore.file" is not allowed for a volume restore', { details: { field: 'restore.file' } });
      return {
        accountId, workingEnvironmentId: dstWe.id, type: 'restore-volume',
        restore: { type: 'volume', source, target: { ...target, volumeSize: backup.size, path: '/' } },
        tasks: [{ agentId: dstWe.agentId, kind: 'restore-volume', maxAttempts: options.maxAttempts, payload: base }],
      };
    }

    if (!existing) throw new CbsError('VOLUME_NOT_FOUND', `volume "${dstName}" not found on working environment ${dstWe.id}`);
    const files = r.file;
    if (!files) throw new CbsError('VALIDATION_FAILED', `body field "restore.file" is required for a ${type} restore`, { details: { field: 'restore.file' } });
    const parsed: RestoreFile[] = files.map((f, i) => ({
      inode: Number(f.inode), path: normalizeFilePath(f.path, `restore.file.${i}.path`), type: f.type, size: f.size, mtime: f.mtime,
    }));

    if (type === 'folder') {
      if (parsed.length !== 1) throw new CbsError('VALIDATION_FAILED', 'body field "restore.file" must name exactly one folder for a folder restore', { details: { field: 'restore.file' } });
      const folder = parsed[0]!;
      return {
        accountId, workingEnvironmentId: dstWe.id, type: 'restore-folder',
        restore: { type: 'folder', source, target: { ...target, path: targetPath } },
        entries: [{ id: randomUUID(), kind: 'batch', files: parsed }],
        tasks: [{ agentId: dstWe.agentId, kind: 'restore-folder', entryIndex: 0, maxAttempts: options.maxAttempts, payload: { ...base, targetPath, paths: [folder.path] } }],
      };
    }

    const batches = splitIntoBatches(parsed);
    return {
      accountId, workingEnvironmentId: dstWe.id, type: 'restore-file',
      restore: { type: 'file', source, target: { ...target, path: targetPath } },
      entries: batches.map((b) => ({ id: randomUUID(), kind: 'batch' as const, files: b })),
      tasks: batches.map((b, i) => ({
        agentId: dstWe.agentId, kind: 'restore-files', entryIndex: i, maxAttempts: options.maxAttempts,
        payload: { ...base, targetPath, paths: b.map((f) => f.path) },
      })),
    };
  }
};

function normalizeFilePath(p: string, field: string): string {
  const n = normalizeBrowsePath(p, field);
  if (n === '/') throw new CbsError('VALIDATION_FAILED', `body field "${field}" must name a file or folder, not the volume root`, { details: { field } });
  return posix.normalize(n);
}
