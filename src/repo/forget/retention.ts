import type { Snapshot } from '../snapshot/index.js';

/**
 * How many snapshots to keep per period, as restic's `forget --keep-*`: walking from
 * the newest snapshot to the oldest, a snapshot is kept by a rule when it is the first
 * (newest) one seen in a period of that rule (an hour, day, ISO week, month, year; for
 * `last`, every snapshot is its own period) and the rule still has periods left to keep.
 * Periods without a snapshot do not count. A snapshot kept by any rule is kept.
 * -1 keeps every period. Absent or 0: the rule keeps nothing.
 */
export interface RetentionPolicy {
  readonly last?: number;
  readonly hourly?: number;
  readonly daily?: number;
  readonly weekly?: number;
  readonly monthly?: number;
  readonly yearly?: number;
}

export type RetentionRule = keyof RetentionPolicy;
export const RETENTION_RULES: readonly RetentionRule[] = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'];

/** What snapshots are grouped by before the policy applies to each group. */
export type RetentionGroupBy = 'host' | 'paths' | 'tags';

export interface RetentionOptions {
  /** The policy applies to each group separately. [] = one group. @default ['host', 'paths'] */
  readonly groupBy?: readonly RetentionGroupBy[];
  /**
   * IANA time zone whose calendar defines hours, days, weeks… @default the offset each
   * snapshot recorded in its time (`…Z` is UTC, `…+02:00` is that offset's wall clock)
   */
  readonly timeZone?: string;
}

export interface RetentionDecision {
  readonly snapshot: Snapshot;
  readonly keep: boolean;
  /** The rules that keep it, e.g. `daily 2024-03-10`; empty when it is removed. */
  readonly reasons: readonly string[];
}

export interface RetentionGroup {
  readonly host?: string;
  readonly paths?: readonly string[];
  readonly tags?: readonly string[];
  /** Newest first. */
  readonly decisions: readonly RetentionDecision[];
}

export interface RetentionPlan {
  readonly groups: readonly RetentionGroup[];
  readonly keep: readonly Snapshot[];
  readonly remove: readonly Snapshot[];
}

/** Wall-clock fields of a time in the calendar that buckets it. */
interface Civil { readonly y: number; readonly mo: number; readonly d: number; readonly h: number }

const ISO_FIELDS = /^(\d{4,})-(\d{2})-(\d{2})T(\d{2}):/;

/**
 * The calendar fields a snapshot's time falls on: as written in the snapshot (its own
 * offset) or, with a time zone, the wall clock of that zone at that instant.
 */
function civilTime(time: string, zone: Intl.DateTimeFormat | undefined): Civil {
  if (zone) {
    const ms = Date.parse(time);
    const parts: Record<string, number> = {};
    for (const p of zone.formatToParts(Number.isNaN(ms) ? 0 : ms)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
    return { y: parts['year']!, mo: parts['month']!, d: parts['day']!, h: parts['hour']! % 24 };
  }
  const m = ISO_FIELDS.exec(time);
  if (m) return { y: Number(m[1]), mo: Number(m[2]), d: Number(m[3]), h: Number(m[4]) };
  const t = new Date(Number.isNaN(Date.parse(time)) ? 0 : Date.parse(time));
  return { y: t.getUTCFullYear(), mo: t.getUTCMonth() + 1, d: t.getUTCDate(), h: t.getUTCHours() };
}

/** ISO 8601 week-numbering year and week of a calendar date. */
export function isoWeek(y: number, mo: number, d: number): { year: number; week: number } {
  const date = new Date(Date.UTC(y, mo - 1, d));
  const dow = date.getUTCDay() || 7; // Monday 1 … Sunday 7
  date.setUTCDate(date.getUTCDate() + 4 - dow); // the Thursday of this week decides its year
  const year = date.getUTCFullYear();
  const week = Math.floor((date.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 / 7) + 1;
  return { year, week };
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** The period a rule puts a snapshot in; `last` makes every snapshot its own. */
function period(rule: RetentionRule, c: Civil, nr: number): string {
  switch (rule) {
    case 'last': return `#${nr}`;
    case 'hourly': return `${c.y}-${pad(c.mo)}-${pad(c.d)} ${pad(c.h)}h`;
    case 'daily': return `${c.y}-${pad(c.mo)}-${pad(c.d)}`;
    case 'weekly': {
      const w = isoWeek(c.y, c.mo, c.d);
      return `${w.year}-W${pad(w.week)}`;
    }
    case 'monthly': return `${c.y}-${pad(c.mo)}`;
    case 'yearly': return `${c.y}`;
    default: {
      const never: never = rule;
      throw new TypeError(`unknown retention rule ${String(never)}`);
    }
  }
}

/** True when no rule keeps anything: such a policy is refused rather than removing everything. */
export function isEmptyPolicy(p: RetentionPolicy): boolean {
  return RETENTION_RULES.every((r) => (p[r] ?? 0) === 0);
}

function groupKey(s: Snapshot, by: readonly RetentionGroupBy[]): string {
  return JSON.stringify(by.map((k) => (k === 'host' ? s.hostname : k === 'paths' ? [...s.paths].sort() : [...s.tags].sort())));
}

/** Newest first; equal times in a fixed order (by id) so the plan never depends on listing order. */
function newestFirst(a: Snapshot, b: Snapshot): number {
  const ta = Date.parse(a.time);
  const tb = Date.parse(b.time);
  if (ta !== tb) return tb - ta;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/**
 * Decides which snapshots a policy keeps (pure: no clock, no repository). An empty
 * policy keeps everything, as restic does when no rule is given.
 */
export function planRetention(snapshots: readonly Snapshot[], policy: RetentionPolicy, opts: RetentionOptions = {}): RetentionPlan {
  const by = opts.groupBy ?? ['host', 'paths'];
  const zone = opts.timeZone === undefined ? undefined : new Intl.DateTimeFormat('en-US', {
    timeZone: opts.timeZone, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', hourCycle: 'h23',
  });
  const groups = new Map<string, Snapshot[]>();
  for (const s of snapshots) {
    const k = groupKey(s, by);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(s);
  }
  const empty = isEmptyPolicy(policy);
  const out: RetentionGroup[] = [];
  const keep: Snapshot[] = [];
  const remove: Snapshot[] = [];
  for (const list of groups.values()) {
    list.sort(newestFirst);
    const left = new Map<RetentionRule, number>(RETENTION_RULES.map((r) => [r, policy[r] ?? 0]));
    const last = new Map<RetentionRule, string>();
    const decisions = list.map((s, nr): RetentionDecision => {
      if (empty) return { snapshot: s, keep: true, reasons: ['no policy'] };
      const c = civilTime(s.time, zone);
      const reasons: string[] = [];
      for (const rule of RETENTION_RULES) {
        const n = left.get(rule)!;
        if (n === 0) continue;
        const p = period(rule, c, nr);
        if (p === last.get(rule)) continue;
        last.set(rule, p);
        if (n > 0) left.set(rule, n - 1);
        reasons.push(rule === 'last' ? 'last' : `${rule} ${p}`);
      }
      return { snapshot: s, keep: reasons.length > 0, reasons };
    });
    for (const d of decisions) (d.keep ? keep : remove).push(d.snapshot);
    const first = list[0]!;
    out.push({
      ...(by.includes('host') ? { host: first.hostname } : {}),
      ...(by.includes('paths') ? { paths: [...first.paths].sort() } : {}),
      ...(by.includes('tags') ? { tags: [...first.tags].sort() } : {}),
      decisions,
    });
  }
  return { groups: out, keep, remove };
}
