import { Type } from '@sinclair/typebox';
import { Contract, type HandlerTable, type KindOf, type PayloadOf, type ResultOf, type Unit } from './contract.js';
import { BrowseEntry, Count, MAX_BROWSE_PAGE, SnapshotId, VolumeName, VolumePath, WeId } from './fields.js';

const PageLimit = Type.Integer({ minimum: 1, maximum: MAX_BROWSE_PAGE });
const Entries = Type.Array(BrowseEntry, { maxItems: MAX_BROWSE_PAGE });

/**
 * Every agent-call kind: short questions the control plane puts to an agent and waits
 * for. Browse calls carry the page they ask for, and the agent answers that page only —
 * never a whole directory — keeping each answer far below the request body limit (it
 * may answer fewer entries than asked when their names are long; the control plane then
 * asks for the rest).
 */
export const CALL_KINDS = {
  /**
   * A live directory of a volume, in name order (JavaScript string order of the names),
   * the `limit` first names after `after`. `total`: entries in the directory; `more`:
   * whether names follow the last one answered.
   */
  'list-live': {
    payload: Type.Object({
      weId: WeId, volumeName: VolumeName, path: VolumePath,
      after: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
      limit: PageLimit,
    }),
    result: Type.Object({ entries: Entries, total: Count, more: Type.Boolean() }),
  },
  /**
   * A directory of a backup: the entries at [offset, offset + limit) of the directory
   * filtered (`fileType`, `nameContains`, case-insensitive) and ordered (`sortBy`, then
   * name; `order`). `total`: entries after the filter.
   */
  'list-snapshot': {
    payload: Type.Object({
      weId: WeId, snapshotId: SnapshotId, path: VolumePath,
      offset: Count, limit: PageLimit,
      sortBy: Type.Union([Type.Literal('name'), Type.Literal('size'), Type.Literal('mtime')]),
      order: Type.Union([Type.Literal('ASC'), Type.Literal('DESC')]),
      fileType: Type.Optional(Type.Union([Type.Literal('FILE'), Type.Literal('DIRECTORY')])),
      nameContains: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    }),
    result: Type.Object({ entries: Entries, total: Count }),
  },
  /** The repository's master key as a key export (for restore without the server). */
  'export-key': {
    payload: Type.Object({ weId: WeId }),
    result: Type.Object({ keyExport: Type.String({ minLength: 1, maxLength: 65_536 }) }),
  },
} as const;

export type CallKinds = typeof CALL_KINDS;
export type CallKind = KindOf<CallKinds>;
export type CallPayload<K extends CallKind> = PayloadOf<CallKinds, K>;
export type CallResult<K extends CallKind> = ResultOf<CallKinds, K>;
/** A call kind with its payload (`kind` narrows `payload`). */
export type CallUnit = Unit<CallKinds>;
/** One handler per call kind. */
export type CallHandlerTable<Ctx> = HandlerTable<CallKinds, Ctx>;

export const CALLS = new Contract('call', CALL_KINDS);
