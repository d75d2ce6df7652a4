import { randomBytes } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { CbsError } from '../../errors/index.js';
import { principalCanUseAccount, newAgentId, newAgentSecret, type TokenVerifier } from '../../auth/index.js';
import type { Task } from '../../store/model.js';
import { hashAgentSecret, installAgentAuth } from '../plugins/agent-auth.js';
import type { ProtectionContext } from '../protection/context.js';
import { ErrorBodySchema } from '../schemas/common.js';
import {
  CallAnswerBodySchema, ClaimQuerySchema, ClaimResponseSchema, CompleteBodySchema, CreateAgentBodySchema, FailBodySchema,
  HeartbeatBodySchema, RegisterBodySchema, RegisterResponseSchema, RepositoryResponseSchema, WireCallSchema, type WireTask,
} from '../schemas/agent-protocol.js';

const errors = { 400: ErrorBodySchema, 401: ErrorBodySchema, 403: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema, 503: ErrorBodySchema };
const WE_ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

function newWeId(): string {
  const b = randomBytes(8);
  return `LocalWorkingEnvironment-${[...b].map((x) => WE_ID_ALPHABET[x % WE_ID_ALPHABET.length]).join('')}`;
}

/**
 * /agent/v1 — how agents reach the control plane. Agents never touch the database:
 * they register their WEs and volumes, long-poll for tasks and calls, heartbeat with
 * progress and report results here. An agent sees only tasks assigned to it, which are
 * only ever tasks of its own WEs.
 */
export const agentProtocolRoutes: FastifyPluginAsyncTypebox<{ ctx: ProtectionContext; tokens: TokenVerifier }> = async (app, { ctx, tokens }) => {
  const { store, options, notifier } = ctx;
  // Waiting long-polls end at once when the server closes, instead of holding close() up.
  const closing = new AbortController();
  app.addHook('preClose', async () => { closing.abort(); });

  // Creating an agent is an administrator's act, with a user token, not an agent credential.
  await app.register(async (adminScope) => {
    const admin = adminScope.withTypeProvider<TypeBoxTypeProvider>();
    admin.post('/agents', {
      schema: {
        summary: 'Create an agent credential (admin token); the secret is shown once',
        tags: ['agent'],
        body: CreateAgentBodySchema,
        response: { 201: Type.Object({ agentId: Type.String(), agentSecret: Type.String(), accountId: Type.String() }), ...errors },
      },
    }, async (req, reply) => {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
      if (!m) throw new CbsError('AUTH_MISSING', 'authorization header with a Bearer token is required');
      const p = await tokens.verify(m[1]!);
      if (!principalCanUseAccount(p, req.body.accountId)) throw new CbsError('ACCOUNT_FORBIDDEN', `the token does not grant access to account ${req.body.accountId}`);
      if (p.role !== 'admin') throw new CbsError('ROLE_FORBIDDEN', 'creating an agent needs the admin role');
      if (!(await store.getAccount(req.body.accountId))) throw new CbsError('ACCOUNT_NOT_FOUND', `account ${req.body.accountId} not found`);
      const agentId = newAgentId();
      const agentSecret = newAgentSecret();
      await store.createAgent({ id: agentId, accountId: req.body.accountId, name: req.body.name, credentialHash: hashAgentSecret(agentSecret) });
      return reply.status(201).send({ agentId, agentSecret, accountId: req.body.accountId });
    });
  });

  await app.register(async (agentScope) => {
    installAgentAuth(agentScope, store);
    const agent = agentScope.withTypeProvider<TypeBoxTypeProvider>();

    agent.put('/working-environments', {
      schema: { summary: 'Register the agent\'s working environments and report their volumes', tags: ['agent'], body: RegisterBodySchema, response: { 200: RegisterResponseSchema, ...errors } },
    }, async (req) => {
      const me = req.agent!;
      const existing = await store.listWorkingEnvironments(me.accountId);
      const out = [];
      for (const w of req.body.workingEnvironments) {
        const prev = existing.find((e) => e.name === w.name);
        if (prev && prev.agentId !== me.id) {
          throw new CbsError('CONFLICT', `working environment name "${w.name}" is owned by another agent of this account`);
        }
        const we = await store.upsertWorkingEnvironment({
          id: prev?.id ?? newWeId(), accountId: me.accountId, agentId: me.id, name: w.name,
          svm: w.svm ?? 'svm0', driver: w.driver, root: w.root,
        });
        const all = await store.reportVolumes(we.id, w.volumes);
        const reported = new Set(w.volumes.map((v) => v.name));
        out.push({ id: we.id, name: we.name, volumes: all.filter((v) => reported.has(v.name)).map((v) => ({ id: v.id, name: v.name })) });
      }
      return { agentId: me.id, accountId: me.accountId, workingEnvironments: out };
    });

    agent.post('/tasks/claim', {
      schema: { summary: 'Claim the oldest pending task of this agent (long-poll)', tags: ['agent'], querystring: ClaimQuerySchema, response: { 200: ClaimResponseSchema, ...errors } },
    }, async (req, reply) => {
      const me = req.agent!;
      const deadline = Date.now() + Math.min(req.query.wait ?? 0, options.maxClaimWaitMs);
      const left = new AbortController();
      // The response's close before it finished is the client going away (the request's own close fires once its body is read).
      reply.raw.once('close', () => { if (!reply.raw.writableFinished) left.abort(); });
      const gone = { signal: AbortSignal.any([left.signal, closing.signal]) };
      for (;;) {
        // Waiting is a read; only work that is there is claimed (a write transaction).
        const t = (await store.hasPendingTask(me.id)) ? await store.claimTask(me.id, { leaseMs: options.leaseMs }) : undefined;
        if (t) return { task: wireTask(t, options.leaseMs) };
        const left = deadline - Date.now();
        if (left <= 0 || gone.signal.aborted) return { task: null };
        await notifier.wait(me.id, Math.min(left, options.claimPollMs), gone.signal);
      }
    });

    agent.post('/tasks/:taskId/heartbeat', {
      schema: {
        summary: 'Renew the lease and report progress', tags: ['agent'],
        params: Type.Object({ taskId: Type.String({ minLength: 1, maxLength: 64 }) }),
        body: HeartbeatBodySchema,
        response: { 200: Type.Object({ leaseExpiresAt: Type.Number() }), ...errors },
      },
    }, async (req) => {
      const t = await store.heartbeat(req.params.taskId, req.agent!.id, req.body.leaseToken, req.body.progress, { leaseMs: options.leaseMs });
      return { leaseExpiresAt: t.leaseExpiresAt ?? 0 };
    });

    agent.post('/tasks/:taskId/complete', {
      schema: {
        summary: 'Report a task done with its result', tags: ['agent'],
        params: Type.Object({ taskId: Type.String({ minLength: 1, maxLength: 64 }) }),
        body: CompleteBodySchema,
        response: { 200: Type.Object({ jobStatus: Type.String() }), ...errors },
      },
    }, async (req) => {
      const me = req.agent!;
      const task = await ownLeasedTask(req.params.taskId, me.id);
      const result = req.body.result;
      if (task.kind === 'backup-volume') {
        // Recorded before the task is completed: the snapshot exists in the repository
        // even if the lease was lost in between, so the record is true either way.
        const snapshotId = str(result, 'snapshotId');
        await store.recordBackup({
          id: snapshotId, accountId: task.accountId, workingEnvironmentId: str(task.payload, 'weId'),
          volumeId: str(task.payload, 'volumeId'), name: typeof result['name'] === 'string' ? result['name'] : snapshotId.slice(0, 8),
          creationTime: num(result, 'creationTime'), size: num(result, 'size'), jobId: task.jobId,
        });
      }
      const job = await store.completeTask(task.id, me.id, req.body.leaseToken, result);
      if (task.kind === 'init-repository' && job.status === 'COMPLETED') {
        await store.setBackupTargetStatus(job.workingEnvironmentId, 'ON');
      }
      if (task.kind === 'restore-volume') {
        await store.upsertVolume({ workingEnvironmentId: str(task.payload, 'targetWeId'), name: str(task.payload, 'targetVolumeName') });
      }
      return { jobStatus: job.status };
    });

    agent.post('/tasks/:taskId/fail', {
      schema: {
        summary: 'Report a task failed with a human-readable reason', tags: ['agent'],
        params: Type.Object({ taskId: Type.String({ minLength: 1, maxLength: 64 }) }),
        body: FailBodySchema,
        response: { 200: Type.Object({ jobStatus: Type.String() }), ...errors },
      },
    }, async (req) => {
      const me = req.agent!;
      const task = await ownLeasedTask(req.params.taskId, me.id);
      const job = await store.failTask(task.id, me.id, req.body.leaseToken, req.body.error);
      if (task.kind === 'init-repository' && job.status === 'FAILED') await store.setBackupTargetStatus(job.workingEnvironmentId, 'FAILED');
      return { jobStatus: job.status };
    });

    agent.get('/working-environments/:weId/repository', {
      schema: {
        summary: 'The repository of a WE: location and key (only for the owning agent, or for a task of this agent reading it)',
        tags: ['agent'],
        params: Type.Object({ weId: Type.String({ minLength: 1, maxLength: 128 }) }),
        querystring: Type.Object({ task: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) }, { additionalProperties: false }),
        response: { 200: RepositoryResponseSchema, ...errors },
      },
    }, async (req) => {
      const me = req.agent!;
      const we = await store.getWorkingEnvironment(me.accountId, req.params.weId);
      if (!we) throw new CbsError('WORKING_ENVIRONMENT_NOT_FOUND', `working environment ${req.params.weId} not found`);
      if (we.agentId !== me.id) {
        // A restore onto another agent's WE reads this WE's repository: allowed for the
        // duration of that task's lease only.
        const t = req.query.task === undefined ? undefined : await store.getTask(req.query.task);
        const ok = t !== undefined && t.agentId === me.id && t.status === 'LEASED' && t.payload['sourceWeId'] === we.id;
        if (!ok) throw new CbsError('AGENT_FORBIDDEN', `working environment ${we.id} belongs to another agent`);
      }
      const target = await store.getBackupTarget(me.accountId, we.id);
      if (!target) throw new CbsError('CONFLICT', `backup is not activated on working environment ${we.id}`);
      return {
        workingEnvironmentId: we.id, provider: target.provider, bucket: target.bucket, location: target.location,
        key: ctx.keys.unwrap(target.wrappedKey).toString('base64'), options: target.options,
        ...(target.wrappedCredentials ? { credentials: JSON.parse(ctx.keys.unwrap(target.wrappedCredentials).toString('utf8')) as Record<string, unknown> } : {}),
      };
    });

    agent.post('/calls/claim', {
      schema: { summary: 'Claim pending calls (browse requests) for this agent (long-poll)', tags: ['agent'], querystring: ClaimQuerySchema, response: { 200: Type.Object({ calls: Type.Array(WireCallSchema) }), ...errors } },
    }, async (req, reply) => {
      const me = req.agent!;
      const deadline = Date.now() + Math.min(req.query.wait ?? 0, options.maxClaimWaitMs);
      const left = new AbortController();
      // The response's close before it finished is the client going away (the request's own close fires once its body is read).
      reply.raw.once('close', () => { if (!reply.raw.writableFinished) left.abort(); });
      const gone = { signal: AbortSignal.any([left.signal, closing.signal]) };
      for (;;) {
        const calls = (await store.hasPendingAgentCall(me.id)) ? await store.claimAgentCalls(me.id, 16) : [];
        if (calls.length) return { calls: calls.map((c) => ({ id: c.id, kind: c.kind, payload: c.payload, expiresAt: c.expiresAt })) };
        const left = deadline - Date.now();
        if (left <= 0 || gone.signal.aborted) return { calls: [] };
        // Calls are waited on by a person: poll the store faster than for tasks.
        await notifier.wait(me.id, Math.min(left, Math.max(20, Math.floor(options.claimPollMs / 5))), gone.signal);
      }
    });

    agent.post('/calls/:callId/answer', {
      schema: {
        summary: 'Answer a call with a result or an error', tags: ['agent'],
        params: Type.Object({ callId: Type.String({ minLength: 1, maxLength: 64 }) }),
        body: CallAnswerBodySchema,
        response: { 204: Type.Null(), ...errors },
      },
    }, async (req, reply) => {
      const b = req.body;
      await store.finishAgentCall(req.params.callId, req.agent!.id, b.error ? { error: b.error } : { result: b.result ?? null });
      return reply.status(204).send(null);
    });
  });

  async function ownLeasedTask(taskId: string, agentId: string): Promise<Task> {
    const t = await store.getTask(taskId);
    if (!t || t.agentId !== agentId) throw new CbsError('TASK_NOT_FOUND', `task ${taskId} not found for this agent`);
    return t;
  }
};

function wireTask(t: Task, leaseMs: number): WireTask {
  return {
    id: t.id, jobId: t.jobId, kind: t.kind, payload: t.payload, leaseToken: t.leaseToken ?? '',
    leaseExpiresAt: t.leaseExpiresAt ?? 0, leaseMs, attempt: t.attempts, maxAttempts: t.maxAttempts,
  };
}

function str(o: Record<string, unknown>, k: string): string {
  const v = o[k];
  if (typeof v !== 'string' || v === '') throw new CbsError('VALIDATION_FAILED', `result field "${k}" must be a non-empty string`, { details: { field: `result.${k}` } });
  return v;
}

function num(o: Record<string, unknown>, k: string): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new CbsError('VALIDATION_FAILED', `result field "${k}" must be a number ≥ 0`, { details: { field: `result.${k}` } });
  return v;
}
