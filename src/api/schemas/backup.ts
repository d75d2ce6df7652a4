import { Type } from '@sinclair/typebox';

const Str = (max = 1024) => Type.String({ maxLength: max });
const PolicySchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 128 }),
  rule: Type.Optional(Type.Array(Type.Object({
    label: Type.String({ maxLength: 64 }),
    retention: Type.Union([Type.String({ maxLength: 16 }), Type.Integer({ minimum: 0 })]),
    period: Type.Optional(Type.String({ maxLength: 64 })),
  }), { maxItems: 16 })),
  'archive-after-days': Type.Optional(Type.Union([Type.String({ maxLength: 16 }), Type.Integer({ minimum: 0 })])),
  'object-lock': Type.Optional(Type.Union(['NONE', 'COMPLIANCE', 'GOVERNANCE', 'LOCKED', 'UNLOCKED'].map((v) => Type.Literal(v)))),
  'sgws-archival': Type.Optional(Type.Unknown()),
});

/** POST …/v3/backup/working-environment/{weId}: activate backup. */
export const ActivateBodySchema = Type.Object({
  provider: Type.Union([Type.Literal('LOCAL'), Type.Literal('AWS'), Type.Literal('SGWS'), Type.Literal('ONTAP_S3')], { description: 'LOCAL (OpenCBS: a directory), or an S3 provider' }),
  region: Type.Optional(Str(64)),
  local: Type.Optional(Type.Object({ path: Type.String({ minLength: 1, maxLength: 4096, pattern: '^/' }) }, { additionalProperties: false })),
  aws: Type.Optional(Type.Object({
    'account-id': Type.Optional(Str(64)), 'access-key': Type.Optional(Str(256)), 'secret-password': Type.Optional(Str(256)),
    'kms-key-id': Type.Optional(Str(256)), 'archive-storage-class': Type.Optional(Str(64)),
  }, { additionalProperties: false })),
  sgws: Type.Optional(Type.Object({
    'storage-grid-id': Type.Optional(Str(128)), 'storage-server': Type.String({ minLength: 1, maxLength: 512 }),
    'access-key': Type.String({ minLength: 1, maxLength: 256 }), 'secret-password': Type.String({ minLength: 1, maxLength: 256 }),
  }, { additionalProperties: false })),
  'ontap-s3': Type.Optional(Type.Object({
    'storage-server': Type.String({ minLength: 1, maxLength: 512 }),
    'access-key': Type.String({ minLength: 1, maxLength: 256 }), 'secret-password': Type.String({ minLength: 1, maxLength: 256 }),
  }, { additionalProperties: false })),
  bucket: Type.String({ minLength: 3, maxLength: 63, pattern: '^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$' }),
  'ip-space': Type.Optional(Str(128)),
  'backup-policy': Type.Optional(PolicySchema),
  'auto-backup-enabled': Type.Optional(Type.Boolean()),
  'max-transfer-rate': Type.Optional(Type.Number({ minimum: 0 })),
  'export-existing-snapshots': Type.Optional(Type.Boolean()),
}, { additionalProperties: false });

export const JobIdResponseSchema = Type.Object({ 'job-id': Type.String() });

/** POST …/v3/backup/working-environment/{weId}/volume/{volumeId}: backup now. */
export const BackupNowBodySchema = Type.Object({
  mode: Type.Union([Type.Literal('AD_HOC'), Type.Literal('SCHEDULED'), Type.Literal('IMMEDIATE')]),
  'adhoc-backup-details': Type.Optional(Type.Object({
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 255, pattern: '^[^\\u0000/]+$' })),
  }, { additionalProperties: false })),
  'backup-policy': Type.Optional(PolicySchema),
}, { additionalProperties: false });

/** POST …/v2/backup/working-environment/{weId}/volume: back up several volumes. */
export const MultiVolumeBodySchema = Type.Object({
  volume: Type.Array(Type.Object({
    'volume-id': Type.String({ minLength: 1, maxLength: 128 }),
    mode: Type.Optional(Type.Union([Type.Literal('AD_HOC'), Type.Literal('SCHEDULED')])),
    'backup-policy': Type.Optional(PolicySchema),
  }, { additionalProperties: false }), { minItems: 1, maxItems: 1000 }),
}, { additionalProperties: false });

export const SnapshotSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  'creation-time': Type.Number({ description: 'epoch milliseconds' }),
  size: Type.Number({ description: 'bytes of the volume\'s files captured (logical)' }),
  archived: Type.Boolean(),
  'object-lock': Type.String(),
  'volume-id': Type.String(),
  'volume-name': Type.String(),
  'working-environment-id': Type.String(),
  'working-environment-name': Type.String(),
  svm: Type.String(),
});

export const BackupWeSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  type: Type.String(),
  status: Type.String(),
  provider: Type.String(),
  bucket: Type.String(),
  region: Type.String(),
  'backup-enablement-status': Type.String({ description: 'ON | OFF | ACTIVATING | FAILED' }),
  'backed-up-volume-count': Type.String(),
  'total-volumes-count': Type.String(),
  'failed-backup-volume-count': Type.String(),
  'auto-backup-enabled': Type.Boolean(),
  'backup-policy': Type.Optional(Type.Unknown()),
  'job-id': Type.Optional(Type.String({ description: 'OpenCBS: the activation job' })),
});

export const BackedUpVolumeSchema = Type.Object({
  'file-system-id': Type.String(),
  name: Type.String(),
  svm: Type.String(),
  type: Type.String(),
  style: Type.String(),
  status: Type.String(),
  'backup-status': Type.String({ description: 'ON when the volume has at least one backup, else OFF' }),
  'last-backup-creation-time': Type.Optional(Type.Number()),
  'snapshot-count': Type.String(),
  capacity: Type.Object({ allocated: Type.String(), used: Type.String() }),
});
