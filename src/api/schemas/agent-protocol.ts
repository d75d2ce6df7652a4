import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ACCOUNT_ID_PATTERN } from '../../auth/index.js';
import { CALL_KINDS, TASK_KINDS, type CallUnit, type KindTable, type TaskUnit } from '../../tasks/index.js';

/**
 * The agent protocol (/agent/v1, our own, camelCase). An agent authenticates with
 * `x-agent-id` and `authorization: Bearer <agent secret>`. Tasks and calls are typed by
 * the task contract (src/tasks): a claimed task is one of TASK_KINDS with that kind's
 * payload; a reported result is checked against its kind by the operations layer.
 */
const Name = Type.String({ minLength: 1, maxLength: 255, pattern: '^[^/\\u0000]+$' });
const Bytes = Type.Integer({ minimum: 0 });

export const VolumeReportSchema = Type.Object({
  name: Name,
  allocated: Bytes,
  used: Bytes,
}, { additionalProperties: false });

export const RegisterBodySchema = Type.Object({
  workingEnvironments: Type.Array(Type.Object({
    name: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._-]+$' }),
    svm: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    driver: Type.Literal('local-fs'),
    root: Type.String({ minLength: 1, maxLength: 4096 }),
    volumes: Type.Array(VolumeReportSchema, { maxItems: 100_000 }),
  }, { additionalProperties: false }), { maxItems: 1000 }),
}, { additionalProperties: false });
export type RegisterBody = Static<typeof RegisterBodySchema>;

export const RegisterResponseSchema = Type.Object({
  agentId: Type.String(),
  accountId: Type.String(),
  workingEnvironments: Type.Array(Type.Object({
    id: Type.String(),
    name: Type.String(),
    volumes: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
  })),
});

export const ProgressBodySchema = Type.Object({
  bytesDone: Bytes, bytesTotal: Bytes, filesDone: Bytes, filesTotal: Bytes,
}, { additionalProperties: false });

/**
 * A task or call on the wire: `kind` one of the table's kinds, `payload` that kind's
 * payload. The JSON schema names the kinds and leaves the payload an object (serialising
 * through a union of schemas validates each branch, on the claim path of every agent);
 * the TypeScript type pairs each kind with its payload, and the agent validates the
 * payload against its kind when it claims it.
 */
function perKind<T extends KindTable, P extends Record<string, TSchema>>(table: T, common: P) {
  return Type.Object({
    ...common,
    // A string enum, not a union of literals: fast-json-stringify serialises a union by validating each branch.
    kind: Type.Unsafe<string>({ type: 'string', enum: Object.keys(table) }),
    payload: Type.Record(Type.String(), Type.Unknown()),
  });
}

const WireTaskCommon = Type.Object({
  id: Type.String(),
  jobId: Type.String(),
  leaseToken: Type.String(),
  leaseExpiresAt: Type.Number(),
  leaseMs: Type.Integer(),
  attempt: Type.Integer(),
  maxAttempts: Type.Integer(),
});
export const WireTaskSchema = perKind(TASK_KINDS, WireTaskCommon.properties);
/** A claimed task: `kind` narrows `payload` to that kind's payload (TaskPayload<kind>). */
export type WireTask = Static<typeof WireTaskCommon> & TaskUnit;

export const ClaimQuerySchema = Type.Object({
  wait: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000, description: 'long-poll, ms' })),
}, { additionalProperties: false });

export const ClaimResponseSchema = Type.Object({ task: Type.Union([WireTaskSchema, Type.Null()]) });

export const HeartbeatBodySchema = Type.Object({
  leaseToken: Type.String({ minLength: 1, maxLength: 128 }),
  progress: Type.Optional(ProgressBodySchema),
}, { additionalProperties: false });

export const CompleteBodySchema = Type.Object({
  leaseToken: Type.String({ minLength: 1, maxLength: 128 }),
  /** The task kind's result (TASK_KINDS[kind].result), validated against it. */
  result: Type.Unknown(),
}, { additionalProperties: false });

export const FailBodySchema = Type.Object({
  leaseToken: Type.String({ minLength: 1, maxLength: 128 }),
  error: Type.String({ minLength: 1, maxLength: 4000 }),
}, { additionalProperties: false });

export const RepositoryResponseSchema = Type.Object({
  workingEnvironmentId: Type.String(),
  provider: Type.String(),
  bucket: Type.String(),
  location: Type.String(),
  /** base64 of the repository secret (the engine's key-encryption key) */
  key: Type.String(),
  options: Type.Record(Type.String(), Type.Unknown()),
  credentials: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
export type RepositoryInfo = Static<typeof RepositoryResponseSchema>;

const WireCallCommon = Type.Object({ id: Type.String(), expiresAt: Type.Number() });
export const WireCallSchema = perKind(CALL_KINDS, WireCallCommon.properties);
/** A claimed call: `kind` narrows `payload` to that kind's payload (CallPayload<kind>). */
export type WireCall = Static<typeof WireCallCommon> & CallUnit;

export const CallAnswerBodySchema = Type.Object({
  /** The call kind's result (CALL_KINDS[kind].result), validated against it. */
  result: Type.Optional(Type.Unknown()),
  error: Type.Optional(Type.Object({ code: Type.String({ maxLength: 64 }), message: Type.String({ maxLength: 4000 }) })),
}, { additionalProperties: false });

export const CreateAgentBodySchema = Type.Object({
  accountId: Type.String({ pattern: ACCOUNT_ID_PATTERN }),
  name: Type.String({ minLength: 1, maxLength: 128 }),
}, { additionalProperties: false });
