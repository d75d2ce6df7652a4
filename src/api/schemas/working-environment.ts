import { Type } from '@sinclair/typebox';
import { AccountIdSchema } from './common.js';

/** Working environments and volumes (docs/API.md, "Working environments and volumes"), documented names. */
export const WorkingEnvironmentSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  'cluster-uuid': Type.String(),
  region: Type.String(),
  status: Type.String({ description: 'ON when its agent was seen within the last minute, else OFF' }),
  'ontap-version': Type.String(),
  type: Type.String({ description: 'LOCAL_FS' }),
  provider: Type.String({ description: 'LOCAL' }),
  'provider-account-id': Type.String(),
  'total-volumes-count': Type.String(),
  svm: Type.String({ description: 'OpenCBS: the SVM name volumes report' }),
  'agent-id': Type.String({ description: 'OpenCBS: the agent (connector) that owns it' }),
});

export const WeParamsSchema = Type.Object({
  accountId: AccountIdSchema,
  weId: Type.String({ minLength: 1, maxLength: 128 }),
});

export const VolumeParamsSchema = Type.Object({
  accountId: AccountIdSchema,
  weId: Type.String({ minLength: 1, maxLength: 128 }),
  volumeId: Type.String({ minLength: 1, maxLength: 128 }),
});

export const VolumeSchema = Type.Object({
  name: Type.String(),
  'file-system-id': Type.String(),
  status: Type.String({ description: 'online | offline (its directory was gone at the last discovery)' }),
  svm: Type.String(),
  type: Type.String(),
  style: Type.String(),
  capacity: Type.Object({ allocated: Type.Number({ description: 'bytes' }), used: Type.Number({ description: 'bytes' }) }),
});

export const LiveEntrySchema = Type.Object({
  inode: Type.Number(),
  name: Type.String(),
  type: Type.String({ description: 'FILE | DIRECTORY | SYMLINK | OTHER' }),
  size: Type.Number({ description: 'bytes' }),
  mtime: Type.Number({ description: 'epoch milliseconds' }),
});

export const BrowsePathSchema = Type.String({ maxLength: 4096, description: 'a path inside the volume, "/" for its root' });
