import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Snapshot } from '../snapshot/index.js';
import { isoWeek, planRetention, type RetentionOptions, type RetentionPolicy } from './index.js';

let n = 0;
function snap(time: string, o: { host?: string; path?: string; tags?: string[] } = {}): Snapshot {
  n++;
  return { version: 1, id: n.toString(16).padStart(64, '0'), time, hostname: o.host ?? 'h', paths: [o.path ?? '/data'], tree: '0'.repeat(64), tags: o.tags ?? [] };
}

/** The times (as given) the policy keeps, newest first, and the reasons of each. */
function kept(snaps: Snapshot[], p: RetentionPolicy, o: RetentionOptions = {}): string[] {
  const plan = planRetention(snaps, p, o);
  return plan.groups.flatMap((g) => g.decisions.filter((d) => d.keep).map((d) => d.snapshot.time));
}

test('keep-last keeps the newest snapshots; equal times are ordered by id, not by listing order', () => {
  const s = ['2024-01-01T10:00:00Z', '2024-01-03T10:00:00Z', '2024-01-02T10:00:00Z', '2024-01-04T10:00:00Z'].map((t) => snap(t));
  assert.deepEqual(kept(s, { last: 2 }), ['2024-01-04T10:00:00Z', '2024-01-03T10:00:00Z']);
  const a = snap('2024-05-05T00:00:00Z');
  const b = snap('2024-05-05T00:00:00Z');
  const one = planRetention([a, b], { last: 1 }).keep.map((x) => x.id);
  assert.deepEqual(planRetention([b, a], { last: 1 }).keep.map((x) => x.id), one);
});

test('keep-daily keeps the newest snapshot of each of the N newest days that have one (matches restic 0.14)', () => {
  // Checked against `restic forget --keep-daily 5|2 --dry-run` (restic 0.14.0, TZ=UTC).
  const s = ['2024-01-01T10:00:00Z', '2024-01-02T10:00:00Z', '2024-01-03T10:00:00Z', '2024-01-01T12:00:00Z', '2024-01-01T08:00:00Z'].map((t) => snap(t));
  assert.deepEqual(kept(s, { daily: 5 }), ['2024-01-03T10:00:00Z', '2024-01-02T10:00:00Z', '2024-01-01T12:00:00Z']);
  assert.deepEqual(kept(s, { daily: 2 }), ['2024-01-03T10:00:00Z', '2024-01-02T10:00:00Z']);
});

test('a mixed policy keeps what restic 0.14 keeps, for the same reasons', () => {
  // `restic forget --keep-last 2 --keep-hourly 2 --keep-daily 3 --keep-weekly 3 --keep-monthly 4 --keep-yearly 2 --dry-run --json`
  // on these 15 snapshots (restic 0.14.0, TZ=UTC).
  const times = ['2022-11-15 10:00', '2022-12-31 23:00', '2023-01-01 01:00', '2023-01-01 09:00', '2023-01-02 09:00', '2023-01-08 09:00',
    '2023-01-09 09:00', '2023-02-14 12:00', '2023-02-14 13:30', '2023-02-14 13:45', '2023-03-01 00:00', '2023-03-05 18:00',
    '2023-03-06 07:00', '2023-03-06 07:59', '2023-03-06 08:00'];
  const s = times.map((t) => snap(`${t.replace(' ', 'T')}:00Z`));
  const plan = planRetention(s, { last: 2, hourly: 2, daily: 3, weekly: 3, monthly: 4, yearly: 2 });
  const got = plan.groups[0]!.decisions.filter((d) => d.keep).map((d) => [d.snapshot.time.slice(0, 16), d.reasons.map((r) => r.split(' ')[0])]);
  assert.deepEqual(got, [
    ['2023-03-06T08:00', ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly']],
    ['2023-03-06T07:59', ['last', 'hourly']],
    ['2023-03-05T18:00', ['daily', 'weekly']],
    ['2023-03-01T00:00', ['daily']],
    ['2023-02-14T13:45', ['weekly', 'monthly']],
    ['2023-01-09T09:00', ['monthly']],
    ['2022-12-31T23:00', ['monthly', 'yearly']],
  ]);
  assert.equal(plan.remove.length, 8);
  assert.equal(plan.keep.length + plan.remove.length, s.length);
});

test('periods are read in the offset the snapshot recorded, not in UTC', () => {
  // 23:30 at -05:00 is 04:30 UTC the next day; by its own clock it is still March 10.
  const s = [snap('2024-03-10T23:30:00-05:00'), snap('2024-03-11T06:00:00Z')];
  assert.deepEqual(kept(s, { daily: 2 }), ['2024-03-11T06:00:00Z', '2024-03-10T23:30:00-05:00']);
  // Both fall on March 11 in UTC: with the zone forced to UTC only the newer is kept.
  assert.deepEqual(kept(s, { daily: 2 }, { timeZone: 'UTC' }), ['2024-03-11T06:00:00Z']);
  // Monthly and yearly follow the same clock: 23:30 on Dec 31 at -01:00 is in the old year.
  const y = [snap('2023-12-31T23:30:00-01:00'), snap('2024-01-01T01:00:00Z')];
  assert.equal(kept(y, { yearly: 2 }).length, 2);
  assert.equal(kept(y, { yearly: 2 }, { timeZone: 'UTC' }).length, 1);
});

test('a chosen time zone buckets by its wall clock, daylight saving time included', () => {
  // New York, fall back on 2024-11-03: 05:30Z and 06:30Z are both 01:30 local (EDT, then EST).
  const s = ['2024-11-03T05:30:00Z', '2024-11-03T06:30:00Z', '2024-11-03T07:30:00Z'].map((t) => snap(t));
  assert.deepEqual(kept(s, { hourly: 3 }, { timeZone: 'America/New_York' }), ['2024-11-03T07:30:00Z', '2024-11-03T06:30:00Z']);
  assert.equal(kept(s, { hourly: 3 }).length, 3, 'in UTC they are three hours');
  // 03:30Z on March 11 is 23:30 EDT on March 10 (spring forward was that morning).
  const d = [snap('2024-03-11T03:30:00Z'), snap('2024-03-11T05:00:00Z')];
  assert.equal(kept(d, { daily: 2 }, { timeZone: 'America/New_York' }).length, 2);
  assert.equal(kept(d, { daily: 2 }).length, 1);
});

test('weeks are ISO 8601 weeks: the days around new year belong to the week of their Thursday', () => {
  assert.deepEqual(isoWeek(2021, 1, 1), { year: 2020, week: 53 });
  assert.deepEqual(isoWeek(2021, 1, 3), { year: 2020, week: 53 });
  assert.deepEqual(isoWeek(2021, 1, 4), { year: 2021, week: 1 });
  assert.deepEqual(isoWeek(2018, 12, 31), { year: 2019, week: 1 });
  assert.deepEqual(isoWeek(2024, 12, 30), { year: 2025, week: 1 });
  assert.deepEqual(isoWeek(2026, 6, 15), { year: 2026, week: 25 });
  const s = ['2020-12-31T12:00:00Z', '2021-01-03T12:00:00Z', '2021-01-04T12:00:00Z'].map((t) => snap(t));
  assert.deepEqual(kept(s, { weekly: 2 }), ['2021-01-04T12:00:00Z', '2021-01-03T12:00:00Z']);
});

test('the policy applies per host and paths by default; groupBy [] pools every snapshot', () => {
  const s = [
    snap('2024-01-01T00:00:00Z', { path: '/a' }), snap('2024-01-02T00:00:00Z', { path: '/a' }),
    snap('2024-01-03T00:00:00Z', { path: '/b' }), snap('2024-01-04T00:00:00Z', { path: '/b' }),
    snap('2024-01-05T00:00:00Z', { path: '/a', host: 'other' }),
  ];
  const plan = planRetention(s, { last: 1 });
  assert.deepEqual(plan.keep.map((x) => x.time).sort(), ['2024-01-02T00:00:00Z', '2024-01-04T00:00:00Z', '2024-01-05T00:00:00Z']);
  assert.equal(plan.groups.length, 3);
  assert.deepEqual(planRetention(s, { last: 1 }, { groupBy: [] }).keep.map((x) => x.time), ['2024-01-05T00:00:00Z']);
  assert.equal(planRetention(s, { last: 1 }, { groupBy: ['host'] }).keep.length, 2);
});

test('-1 keeps every period; an empty policy keeps everything', () => {
  const s = ['2024-01-01T01:00:00Z', '2024-01-01T02:00:00Z', '2024-01-02T01:00:00Z', '2024-01-05T01:00:00Z'].map((t) => snap(t));
  assert.deepEqual(kept(s, { daily: -1 }), ['2024-01-05T01:00:00Z', '2024-01-02T01:00:00Z', '2024-01-01T02:00:00Z']);
  const all = planRetention(s, {});
  assert.equal(all.keep.length, 4);
  assert.equal(all.remove.length, 0);
  assert.deepEqual(planRetention(s, { last: 0, daily: 0 }).remove, []);
});
