import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { CbsError } from '../errors/index.js';

/**
 * A contract: a table of kinds, each with the schema of what is sent (payload) and of
 * what comes back (result). Task kinds and agent-call kinds are two such tables. The
 * table is the one definition both ends are typed by: producers build payloads of
 * `PayloadOf<T, K>`, the agent's handler table is a `HandlerTable<T, …>` (a missing or
 * mistyped handler does not compile), and each end validates what crosses the wire
 * with `payload()` / `result()`.
 */
export interface KindSpec {
  readonly payload: TSchema;
  readonly result: TSchema;
}
export type KindTable = Readonly<Record<string, KindSpec>>;
export type KindOf<T extends KindTable> = Extract<keyof T, string>;
export type PayloadOf<T extends KindTable, K extends KindOf<T>> = Static<T[K]['payload']>;
export type ResultOf<T extends KindTable, K extends KindOf<T>> = Static<T[K]['result']>;

/** One handler per kind: gets the kind's payload, returns the kind's result. */
export type HandlerTable<T extends KindTable, Ctx> = {
  readonly [K in KindOf<T>]: (ctx: Ctx, payload: PayloadOf<T, K>) => Promise<ResultOf<T, K>>;
};

/** A payload with its kind, as a producer hands it on: `kind` narrows `payload`. */
export type Unit<T extends KindTable> = { [K in KindOf<T>]: { kind: K; payload: PayloadOf<T, K> } }[KindOf<T>];

export class Contract<T extends KindTable> {
  readonly #checks = new Map<string, { payload: TypeCheck<TSchema>; result: TypeCheck<TSchema> }>();

  /** @param noun what a kind names, for messages: "task", "call" */
  constructor(readonly noun: string, readonly kinds: T) {
    for (const [k, spec] of Object.entries(kinds)) {
      this.#checks.set(k, { payload: TypeCompiler.Compile(spec.payload), result: TypeCompiler.Compile(spec.result) });
    }
  }

  has(kind: string): kind is KindOf<T> {
    return this.#checks.has(kind);
  }

  /** Throws VALIDATION_FAILED for a kind not in the table. */
  kind(kind: string, field = 'kind'): KindOf<T> {
    if (!this.has(kind)) throw new CbsError('VALIDATION_FAILED', `${field}: unknown ${this.noun} kind "${kind}"`, { details: { field } });
    return kind;
  }

  /**
   * The payload checked against its kind's schema, with fields the schema does not
   * name dropped (a newer sender may add some). VALIDATION_FAILED naming the field otherwise.
   */
  payload<K extends KindOf<T>>(kind: K, value: unknown, where = 'payload'): PayloadOf<T, K> {
    return checked(this.#check(kind).payload, this.kinds[kind]!.payload, value, where) as PayloadOf<T, K>;
  }

  /** The result checked against its kind's schema; as payload(). */
  result<K extends KindOf<T>>(kind: K, value: unknown, where = 'result'): ResultOf<T, K> {
    return checked(this.#check(kind).result, this.kinds[kind]!.result, value, where) as ResultOf<T, K>;
  }

  #check(kind: string): { payload: TypeCheck<TSchema>; result: TypeCheck<TSchema> } {
    const c = this.#checks.get(kind);
    if (!c) throw new CbsError('VALIDATION_FAILED', `unknown ${this.noun} kind "${kind}"`, { details: { field: 'kind' } });
    return c;
  }
}

function checked(check: TypeCheck<TSchema>, schema: TSchema, value: unknown, where: string): unknown {
  const clean = Value.Clean(schema, Value.Clone(value));
  if (check.Check(clean)) return clean;
  const first = check.Errors(clean).First();
  const path = (first?.path ?? '').replace(/^\//, '').replace(/\//g, '.');
  const field = path ? `${where}.${path}` : where;
  const why = (first?.message ?? 'is invalid').replace(/^Expected/, 'expected');
  throw new CbsError('VALIDATION_FAILED', `${field}: ${why}`, { details: { field } });
}
