import { Type, type Static } from '@sinclair/typebox';

/**
 * The agent protocol (/agent/v1, our own, camelCase). An agent authenticates with
 * `x-agent-id` and `authorization: Bearer <agent secret>`.
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

export const WireTaskSchema = Type.Object({
  id: Type.String(),
  jobId: Type.String(),
  kind: Type.String(),
  payload: Type.Record(Type.String(), Type.Unknown()),
  leaseToken: Type.String(),
  leaseExpiresAt: Type.Number(),
  leaseMs: Type.Integer(),
  attempt: Type.Integer(),
  maxAttempts: Type.Integer(),
});
export type WireTask = Static<typeof WireTaskSchema>;

export const ClaimQuerySchema = Type.Object({
  wait: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000, description: 'long-poll, ms' })),
}, { additionalProperties: false });

export const ClaimResponseSchema = Type.Object({ task: Type.Union([WireTaskSchema, Type.Null()]) });

export const HeartbeatBodySchema = Type.Object({
  leaseToken: Type.String({ minLength: 1 }),
  progress: Type.Optional(ProgressBodySchema),
}, { additionalProperties: false });

export const CompleteBodySchema = Type.Object({
  leaseToken: Type.String({ minLength: 1 }),
  result: Type.Record(Type.String(), Type.Unknown()),
}, { additionalProperties: false });

export const FailBodySchema = Type.Object({
  leaseToken: Type.String({ minLength: 1 }),
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

export const WireCallSchema = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  payload: Type.Record(Type.String(), Type.Unknown()),
  expiresAt: Type.Number(),
});
export type WireCall = Static<typeof WireCallSchema>;

export const CallAnswerBodySchema = Type.Object({
  result: Type.Optional(Type.Unknown()),
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
}, { additionalProperties: false });

export const CreateAgentBodySchema = Type.Object({
  accountId: Type.String({ pattern: '^account-[A-Za-z0-9]{8}$' }),
  name: Type.String({ minLength: 1, maxLength: 128 }),
}, { additionalProperties: false });
