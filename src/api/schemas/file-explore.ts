import { Type } from '@sinclair/typebox';

/** GET …/v1/sfr/working-environment/{weId}/volume/{volumeId}/snapshot/{snapshotId}/file-explore/list */
export const FileExploreQuerySchema = Type.Object({
  path: Type.Optional(Type.String({ maxLength: 4096, description: 'a directory of the backup, "/" for its root' })),
  page: Type.Optional(Type.Integer({ minimum: 1, default: 1, description: '1-based' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  snapshotLocation: Type.Optional(Type.Union([Type.Literal('CLOUD'), Type.Literal('LOCAL')])),
  fileType: Type.Optional(Type.Union([Type.Literal('FILE'), Type.Literal('DIRECTORY'), Type.Literal('ALL')], { description: 'only files or only directories; default ALL' })),
  sortBy: Type.Optional(Type.Union([Type.Literal('name'), Type.Literal('size'), Type.Literal('mtime')], { description: 'default name' })),
  orderBy: Type.Optional(Type.Union([Type.Literal('ASC'), Type.Literal('DESC')], { description: 'default ASC' })),
  name: Type.Optional(Type.String({ maxLength: 255, description: 'only entries whose name contains this (case-insensitive)' })),
}, { additionalProperties: false });

export const SnapshotEntrySchema = Type.Object({
  inode: Type.Number(),
  name: Type.String(),
  path: Type.String({ description: 'absolute inside the volume; echo it in a file restore' }),
  type: Type.String({ description: 'FILE | DIRECTORY | SYMLINK | OTHER' }),
  size: Type.Number({ description: 'bytes' }),
  mtime: Type.Number({ description: 'epoch milliseconds' }),
});

const PageRef = Type.Object({ page: Type.Integer(), limit: Type.Integer() });
export const FileExploreResponseSchema = Type.Object({
  pageConfig: Type.Object({
    next: Type.Optional(PageRef),
    previous: Type.Optional(PageRef),
    startIndex: Type.Integer({ description: '0-based index of the first entry of this page' }),
    endIndex: Type.Integer({ description: '0-based index after the last entry of this page' }),
    total: Type.Integer({ description: 'OpenCBS: entries in the directory' }),
  }),
  context: Type.Array(SnapshotEntrySchema),
});
