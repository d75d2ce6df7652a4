import { Type } from '@sinclair/typebox';

const Id = Type.String({ minLength: 1, maxLength: 256 });
const Name = Type.String({ maxLength: 255 });
/** inode: a number, or a numeric string (v3 / 4.x clients send strings). */
const Inode = Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: '^[0-9]{1,20}$' })]);

export const RestoreFileInSchema = Type.Object({
  inode: Inode,
  path: Type.String({ minLength: 1, maxLength: 4096 }),
  type: Type.String({ minLength: 1, maxLength: 32 }),
  size: Type.Number({ minimum: 0 }),
  mtime: Type.Number({ minimum: 0 }),
  name: Type.Optional(Type.String({ maxLength: 255 })),
  'source-file-path': Type.Optional(Type.String({ maxLength: 4096 })),
}, { additionalProperties: false });

/** POST …/v1|v2|v3/restore, one body for all three versions (v3 is the superset). */
export const RestoreBodySchema = Type.Object({
  restore: Type.Object({
    type: Type.String({ minLength: 1, maxLength: 16, description: 'volume | file | folder (case-insensitive)' }),
    source: Type.Object({
      'working-environment-id': Id,
      'working-environment-name': Name,
      bucket: Name,
      'volume-name': Name,
      'volume-id': Id,
      snapshot: Id,
    }, { additionalProperties: false }),
    target: Type.Object({
      'working-environment-id': Id,
      'working-environment-name': Name,
      svm: Name,
      'volume-name': Type.String({ minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9._-]+$' }),
      path: Type.Optional(Type.String({ maxLength: 4096 })),
      'retain-source-path': Type.Optional(Type.Boolean()),
      aggregate: Type.Optional(Name),
      aggregates: Type.Optional(Type.Array(Name, { maxItems: 64 })),
    }, { additionalProperties: false }),
    file: Type.Optional(Type.Array(RestoreFileInSchema, { minItems: 1, maxItems: 100_000 })),
    'archive-restore-priority': Type.Optional(Type.String({ maxLength: 16 })),
    'skip-ransomware-check': Type.Optional(Type.Boolean()),
    'skip-file-rename': Type.Optional(Type.Boolean()),
  }, { additionalProperties: false }),
}, { additionalProperties: false });

/** GET …/v1/restore/status item: `file` sits directly under `restore` here, as documented. */
export const RestoreStatusItemSchema = Type.Object({
  id: Type.String(),
  status: Type.String(),
  error: Type.String(),
  time: Type.Number(),
  'start-time': Type.Optional(Type.Number()),
  'end-time': Type.Optional(Type.Number()),
  data: Type.Object({
    restore: Type.Object({
      type: Type.String(),
      source: Type.Record(Type.String(), Type.Unknown()),
      target: Type.Record(Type.String(), Type.Unknown()),
      file: Type.Array(Type.Object({ inode: Type.Number(), path: Type.String(), type: Type.String(), size: Type.Number(), mtime: Type.Number() })),
    }),
  }),
});
