import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { CbsError } from '../../errors/index.js';
import { principalCanUseAccount, type TokenVerifier } from '../../auth/index.js';
import type { Task } from '../../store/model.js';
import {
  answerCall, claimCalls, claimTask, completeTask, createAgent, failTask, heartbeatTask, registerWorkingEnvironments, repositoryFor,
  type OperationsDeps,
} from '../../operations/index.js';
import { installAgentAuth } from '../plugins/agent-auth.js';
import { bearerCredential } from '../plugins/bearer.js';
import { ErrorBodySchema } from '../schemas/common.js';
import {
  CallAnswerBodySchema, ClaimQuerySchema, ClaimResponseSchema, CompleteBodySchema, CreateAgentBodySchema, FailBodySchema,
  HeartbeatBodySchema, RegisterBodySchema, RegisterResponseSchema, RepositoryResponseSchema, WireCallSchema, type WireTask,
} from '../schemas/agent-protocol.js';

const errors = { 400: ErrorBodySchema, 401: ErrorBodySchema, 403: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema, 503: ErrorBodySchema };
const TaskParams = Type.Object({ taskId: Type.String({ minLength: 1, maxLength: 64 }) });

/**
 * /agent/v1 — how agents reach the control plane. Agents never touch the database:
 * they register their WEs and volumes, long-poll for tasks and calls, heartbeat with
 * progress and report results here. An agent sees only tasks assigned to it, which are
 * only ever tasks of its own WEs. Each route authenticates, parses and calls one
 * operation (src/operations).
 */
export const agentProtocolRoutes: FastifyPluginAsyncTypebox<{ ops: OperationsDeps; tokens: TokenVerifier }> = async (app, { ops, tokens }) => {
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
      const p = await tokens.verify(bearerCredential(req.headers.authorization));
      if (!principalCanUseAccount(p, req.body.accountId)) throw new CbsError('ACCOUNT_FORBIDDEN', `the token does not grant access to account ${req.body.accountId}`);
      if (p.role !== 'admin') throw new CbsError('ROLE_FORBIDDEN', 'creating an agent needs the admin role');
      const created = await createAgent(ops, req.body.accountId, req.body.name);
      return reply.status(201).send({ ...created, accountId: req.body.accountId });
    });
  });

  await app.register(async (agentScope) => {
    installAgentAuth(agentScope, ops.store);
    const agent = agentScope.withTypeProvider<TypeBoxTypeProvider>();

    agent.put('/working-environments', {
      schema: { summary: 'Register the agent\'s working environments and report their volumes', tags: ['agent'], body: RegisterBodySchema, response: { 200: RegisterResponseSchema, ...errors } },
    }, async (req) => {
      const me = req.agent!;
      return { agentId: me.id, accountId: me.accountId, workingEnvironments: await registerWorkingEnvironments(ops, me, req.body.workingEnvironments) };
    });

    agent.post('/tasks/claim', {
      schema: { summary: 'Claim the oldest pending task of this agent (long-poll)', tags: ['agent'], querystring: ClaimQuerySchema, response: { 200: ClaimResponseSchema, ...errors } },
    }, async (req, reply) => {
      const t = await claimTask(ops, req.agent!, req.query.wait ?? 0, untilGone(reply, closing.signal));
      return { task: t ? wireTask(t, ops.options.leaseMs) : null };
    });

    agent.post('/tasks/:taskId/heartbeat', {
      schema: {
        summary: 'Renew the lease and report progress', tags: ['agent'], params: TaskParams, body: HeartbeatBodySchema,
        response: { 200: Type.Object({ leaseExpiresAt: Type.Number() }), ...errors },
      },
    }, async (req) => {
      const t = await heartbeatTask(ops, req.agent!, req.params.taskId, req.body.leaseToken, req.body.progress);
      return { leaseExpiresAt: t.leaseExpiresAt ?? 0 };
    });

    agent.post('/tasks/:taskId/complete', {
      schema: {
        summary: 'Report a task done with its result (validated against the task kind)', tags: ['agent'], params: TaskParams, body: CompleteBodySchema,
        response: { 200: Type.Object({ jobStatus: Type.String() }), ...errors },
      },
    }, async (req) => {
      const job = await completeTask(ops, req.agent!, req.params.taskId, req.body.leaseToken, req.body.result);
      return { jobStatus: job.status };
    });

    agent.post('/tasks/:taskId/fail', {
      schema: {
        summary: 'Report a task failed with a human-readable reason', tags: ['agent'], params: TaskParams, body: FailBodySchema,
        response: { 200: Type.Object({ jobStatus: Type.String() }), ...errors },
      },
    }, async (req) => {
      const job = await failTask(ops, req.agent!, req.params.taskId, req.body.leaseToken, req.body.error);
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
    }, async (req) => repositoryFor(ops, req.agent!, req.params.weId, req.query.task));

    agent.post('/calls/claim', {
      schema: { summary: 'Claim pending calls (browse requests) for this agent (long-poll)', tags: ['agent'], querystring: ClaimQuerySchema, response: { 200: Type.Object({ calls: Type.Array(WireCallSchema) }), ...errors } },
    }, async (req, reply) => {
      const calls = await claimCalls(ops, req.agent!, req.query.wait ?? 0, untilGone(reply, closing.signal));
      return { calls: calls.map((c) => ({ id: c.id, kind: c.kind, payload: c.payload, expiresAt: c.expiresAt })) };
    });

    agent.post('/calls/:callId/answer', {
      schema: {
        summary: 'Answer a call with a result (validated against the call kind) or an error', tags: ['agent'],
        params: Type.Object({ callId: Type.String({ minLength: 1, maxLength: 64 }) }),
        body: CallAnswerBodySchema,
        response: { 204: Type.Null(), ...errors },
      },
    }, async (req, reply) => {
      await answerCall(ops, req.agent!, req.params.callId, req.body);
      return reply.status(204).send(null);
    });
  });
};

/** Aborts when the client goes away (the response closes before it finished) or the server closes. */
function untilGone(reply: FastifyReply, closing: AbortSignal): AbortSignal {
  const left = new AbortController();
  // The request's own close fires once its body is read; the response's close before it finished is the client leaving.
  reply.raw.once('close', () => { if (!reply.raw.writableFinished) left.abort(); });
  return AbortSignal.any([left.signal, closing]);
}

function wireTask(t: Task, leaseMs: number): WireTask {
  return {
    id: t.id, jobId: t.jobId, kind: t.kind, payload: t.payload, leaseToken: t.leaseToken ?? '',
    leaseExpiresAt: t.leaseExpiresAt ?? 0, leaseMs, attempt: t.attempts, maxAttempts: t.maxAttempts,
  } as WireTask;
}
