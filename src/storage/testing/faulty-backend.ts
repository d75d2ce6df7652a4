import { setTimeout as delay } from 'node:timers/promises';
import { StorageError, type Backend, type BackendMethod, type ByteRange, type ObjectInfo } from '../backend.js';

/**
 * transient      throw a transient StorageError instead of calling the inner backend
 * permanent      throw a permanent StorageError instead of calling the inner backend
 * torn-read      get only: return the object truncated to half, or with one bit flipped (`torn`)
 * slow           wait `delayMs` (@default 1000), then call the inner backend
 * drop-mid-body  put: store the first half of the data under the key, then throw transient;
 *                get: read the object, then throw transient;
 *                list: yield the first half of the entries, then throw transient
 */
export type FaultKind = 'transient' | 'permanent' | 'torn-read' | 'slow' | 'drop-mid-body';

export interface FaultPlan {
  method: BackendMethod;
  /** Only calls on this key (or, for list, prefix) count; a string matches exactly. When several plans hit one call, the first planned wins. */
  key?: string | RegExp;
  /** The fault fires from the nth matching call on (1-based). @default 1 */
  nth?: number;
  /** How many consecutive matching calls it fires on; Infinity for all. @default 1 */
  times?: number;
  fault: FaultKind;
  delayMs?: number;
  /** For torn-read. @default 'truncate' */
  torn?: 'truncate' | 'bit-flip';
}

interface ActivePlan {
  readonly plan: FaultPlan;
  matched: number;
  fired: number;
}

const ALLOWED: Record<FaultKind, readonly BackendMethod[]> = {
  'transient': ['put', 'get', 'stat', 'list', 'delete'],
  'permanent': ['put', 'get', 'stat', 'list', 'delete'],
  'slow': ['put', 'get', 'stat', 'list', 'delete'],
  'torn-read': ['get'],
  'drop-mid-body': ['put', 'get', 'list'],
};

/**
 * Wraps a backend and injects scripted faults, to prove the layers above survive
 * them. A test that plans a fault and never triggers it proves nothing, so
 * `assertAllFired()` fails naming every plan that did not fire as often as planned.
 */
export class FaultyBackend implements Backend {
  readonly location: string;
  /** Calls per method, faulted ones included. */
  readonly calls: Record<BackendMethod, number> = { put: 0, get: 0, stat: 0, list: 0, delete: 0 };
  private plans: ActivePlan[] = [];

  constructor(readonly inner: Backend) {
    this.location = inner.location;
  }

  plan(p: FaultPlan): this {
    if (!ALLOWED[p.fault].includes(p.method)) throw new TypeError(`fault ${p.fault} does not apply to ${p.method}`);
    if ((p.nth ?? 1) < 1 || (p.times ?? 1) < 1) throw new TypeError('nth and times start at 1');
    this.plans.push({ plan: p, matched: 0, fired: 0 });
    return this;
  }

  clearPlans(): void {
    this.plans = [];
  }

  /** Throws naming each plan that fired fewer times than planned (at least once for times: Infinity). */
  assertAllFired(): void {
    const missed = this.plans.filter((a) => {
      const times = a.plan.times ?? 1;
      return a.fired < (Number.isFinite(times) ? times : 1);
    });
    if (missed.length > 0) {
      throw new Error(`planned faults that did not fire: ${missed.map((a) => `${describe(a.plan)} (fired ${a.fired}, matched ${a.matched})`).join('; ')}`);
    }
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const f = await this.enter('put', key);
    if (f?.fault === 'drop-mid-body') {
      await this.inner.put(key, data.subarray(0, Math.floor(data.length / 2)));
      throw injected('transient', f, key, 'connection dropped mid-body');
    }
    return this.inner.put(key, data);
  }

  async get(key: string, range?: ByteRange): Promise<Buffer> {
    const f = await this.enter('get', key);
    const data = await this.inner.get(key, range);
    if (f?.fault === 'drop-mid-body') throw injected('transient', f, key, 'connection dropped mid-body');
    if (f?.fault === 'torn-read') return tear(data, f.torn ?? 'truncate');
    return data;
  }

  async stat(key: string): Promise<ObjectInfo> {
    await this.enter('stat', key);
    return this.inner.stat(key);
  }

  async delete(key: string): Promise<void> {
    await this.enter('delete', key);
    return this.inner.delete(key);
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const f = await this.enter('list', prefix);
    if (f?.fault !== 'drop-mid-body') {
      yield* this.inner.list(prefix);
      return;
    }
    const all: ObjectInfo[] = [];
    for await (const o of this.inner.list(prefix)) all.push(o);
    yield* all.slice(0, Math.floor(all.length / 2));
    throw injected('transient', f, prefix, 'listing dropped midway');
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** Counts the call, then applies a throwing or delaying fault; returns the plan for faults that act later. */
  private async enter(method: BackendMethod, key: string): Promise<FaultPlan | undefined> {
    this.calls[method]++;
    const f = this.match(method, key);
    if (f === undefined) return undefined;
    switch (f.fault) {
      case 'transient':
      case 'permanent':
        throw injected(f.fault, f, key, 'injected fault');
      case 'slow':
        await delay(f.delayMs ?? 1000);
        return undefined;
      case 'torn-read':
      case 'drop-mid-body':
        return f;
      default: {
        const never: never = f.fault;
        throw new TypeError(`unknown fault ${String(never)}`);
      }
    }
  }

  private match(method: BackendMethod, key: string): FaultPlan | undefined {
    let hit: FaultPlan | undefined;
    for (const a of this.plans) {
      const p = a.plan;
      if (p.method !== method || !keyMatches(p.key, key)) continue;
      a.matched++;
      const nth = p.nth ?? 1;
      if (hit === undefined && a.matched >= nth && a.matched < nth + (p.times ?? 1)) {
        a.fired++;
        hit = p;
      }
    }
    return hit;
  }
}

function keyMatches(want: string | RegExp | undefined, key: string): boolean {
  if (want === undefined) return true;
  if (typeof want === 'string') return want === key;
  want.lastIndex = 0;
  return want.test(key);
}

function describe(p: FaultPlan): string {
  return `${p.fault} on ${p.method}${p.key === undefined ? '' : ` ${String(p.key)}`} nth=${p.nth ?? 1} times=${p.times ?? 1}`;
}

function injected(kind: 'transient' | 'permanent', p: FaultPlan, key: string, what: string): StorageError {
  return new StorageError(kind, `${what}: ${describe(p)}`, { key });
}

function tear(data: Buffer, how: 'truncate' | 'bit-flip'): Buffer {
  if (data.length === 0) return data;
  if (how === 'truncate') return Buffer.from(data.subarray(0, Math.floor(data.length / 2)));
  const out = Buffer.from(data);
  const i = Math.floor(out.length / 2);
  out[i] = out[i]! ^ 0x01;
  return out;
}
