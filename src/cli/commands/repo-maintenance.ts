import type { Command } from 'commander';
import type { ForgetPolicyReport, LockWaitInfo, PruneReport, RetentionGroupBy, RetentionPolicy, Snapshot } from '../../repo/index.js';
import { CliError, formatBytes, formatTime, printJson, table } from '../output.js';
import type { RepoFlags } from '../repo-options.js';
import { ProgressBar } from '../repo-progress.js';

const engine = () => import('../../repo/index.js');
const access = () => import('../repo-access.js');

type Cmd = (parent: Command, name: string, description: string) => Command;
type Run = <A extends unknown[]>(fn: (...args: A) => Promise<void>) => (...args: A) => Promise<void>;

interface LockFlags { lockWait: string }
interface PruneFlags extends LockFlags { dryRun?: boolean; maxUnused: string }
interface ForgetFlags extends PruneFlags {
  keepLast?: string; keepHourly?: string; keepDaily?: string; keepWeekly?: string; keepMonthly?: string; keepYearly?: string;
  groupBy: string; timeZone?: string; prune?: boolean;
}

/** `30m`, `90s`, `2h`, `500ms`, or a number of seconds. */
export function parseDuration(v: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v.trim());
  if (!m) throw new CliError(`${what}: not a duration: ${JSON.stringify(v)} (e.g. 0, 90s, 30m, 2h)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's']!;
  return Number(m[1]) * unit;
}

/** `5%`, `5` (percent) or `unlimited` → a share between 0 and 1. */
export function parseMaxUnused(v: string): number {
  if (v === 'unlimited') return 1;
  const m = /^(\d+(?:\.\d+)?)%?$/.exec(v.trim());
  const p = m ? Number(m[1]) : NaN;
  if (!(p >= 0 && p <= 100)) throw new CliError(`--max-unused: give a percentage from 0 to 100 or 'unlimited', not ${JSON.stringify(v)}`);
  return p / 100;
}

function count(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  if (v === 'unlimited' || v === '-1') return -1;
  if (!/^\d+$/.test(v)) throw new CliError(`${flag}: give a count, or -1 / unlimited, not ${JSON.stringify(v)}`);
  return Number(v);
}

/** Says once per holder, on stderr (also with --json: stdout stays one document), whom a command is waiting for. */
export function lockWaitNotice(): (w: LockWaitInfo) => void {
  let last = '';
  return (w) => {
    if (w.holderId === last) return;
    last = w.holderId;
    process.stderr.write(`waiting for the repository lock held by ${w.holder.purpose} (pid ${w.holder.pid} on ${w.holder.hostname}, since ${w.holder.time})…\n`);
  };
}

export function lockWaitOption(c: Command, dflt = '30m'): Command {
  return c.option('--lock-wait <duration>', 'how long to wait for a conflicting lock (a prune, or for prune the backups running) before failing with REPO_LOCKED: 0, 90s, 30m, 2h', dflt);
}

/** `cbs repo forget` and `cbs repo prune`: removing snapshots and reclaiming their space. */
export function registerRepoMaintenance(repo: Command, cmd: Cmd, run: Run): void {
  const pruneOptions = (c: Command): Command => lockWaitOption(c)
    .option('--max-unused <percent>', "share of the repository that may stay unused after pruning; partly used packs are repacked until it holds ('unlimited': repack none)", '5%');

  pruneOptions(cmd(repo, 'prune', 'delete the data no snapshot references: packs with no live blob, and repack partly used ones')
    .option('--dry-run', 'print what would be removed and kept; change nothing'))
    .action(run(async (o: RepoFlags & PruneFlags) => {
      const report = await runPrune(o);
      if (o.json) return printJson(report);
      process.stdout.write(describePrune(report));
    }));

  const keep: [string, string][] = [['last', 'the N newest snapshots'], ['hourly', 'the newest snapshot of each of the last N hours that have one'],
    ['daily', '… of the last N days'], ['weekly', '… of the last N ISO weeks'], ['monthly', '… of the last N months'], ['yearly', '… of the last N years']];
  let forgetCmd = cmd(repo, 'forget', 'remove snapshots, chosen by id or by a keep policy (their data goes at the next prune; --prune runs it now)')
    .argument('[snapshot...]', 'snapshot ids or unique prefixes to remove (instead of a --keep policy)');
  for (const [rule, what] of keep) forgetCmd = forgetCmd.option(`--keep-${rule} <n>`, `keep ${what} (-1: all)`);
  forgetCmd = forgetCmd
    .option('--group-by <fields>', "apply the policy per group of these snapshot fields: host, paths, tags, comma-separated ('' for one group)", 'host,paths')
    .option('--time-zone <zone>', "IANA time zone whose calendar defines hours, days, weeks… (default: the offset each snapshot recorded, UTC for OpenCBS's own)")
    .option('--dry-run', 'print what would be removed and kept; change nothing')
    .option('--prune', 'prune after removing snapshots');
  pruneOptions(forgetCmd).action(run(async (ids: string[], o: RepoFlags & ForgetFlags) => {
    const policy: RetentionPolicy = {
      ...opt('last', count(o.keepLast, '--keep-last')), ...opt('hourly', count(o.keepHourly, '--keep-hourly')),
      ...opt('daily', count(o.keepDaily, '--keep-daily')), ...opt('weekly', count(o.keepWeekly, '--keep-weekly')),
      ...opt('monthly', count(o.keepMonthly, '--keep-monthly')), ...opt('yearly', count(o.keepYearly, '--keep-yearly')),
    };
    const { forget, forgetByPolicy, isEmptyPolicy } = await engine();
    const byPolicy = Object.keys(policy).length > 0;
    if (byPolicy && ids.length > 0) throw new CliError('give snapshot ids or a --keep policy, not both');
    if (!byPolicy && ids.length === 0) throw new CliError('nothing to forget: give snapshot ids or a --keep-… policy');
    if (byPolicy && isEmptyPolicy(policy)) throw new CliError('every --keep-… count is 0: that would remove every snapshot; use ids to do that');
    const groupBy = o.groupBy.split(',').map((s) => s.trim()).filter((s) => s !== '');
    for (const g of groupBy) if (!['host', 'paths', 'tags'].includes(g)) throw new CliError(`--group-by: unknown field ${JSON.stringify(g)} (host, paths, tags)`);
    if (o.timeZone !== undefined) {
      try { new Intl.DateTimeFormat('en-US', { timeZone: o.timeZone }); } catch { throw new CliError(`--time-zone: unknown time zone ${JSON.stringify(o.timeZone)}`); }
    }
    const { openRepo, withRepo } = await access();
    const lockWait = { timeoutMs: parseDuration(o.lockWait, '--lock-wait'), onWait: lockWaitNotice() };
    const dryRun = o.dryRun ?? false;
    const forgotten = await withRepo(await openRepo(o, { skipIndex: true }), (r) => (byPolicy
      ? forgetByPolicy(r, policy, { dryRun, lockWait, groupBy: groupBy as RetentionGroupBy[], ...(o.timeZone ? { timeZone: o.timeZone } : {}) })
      : forget(r, ids, { dryRun, lockWait })));
    const plan = 'plan' in forgotten ? (forgotten as ForgetPolicyReport).plan : undefined;
    const pruned = o.prune ? await runPrune(o) : undefined;
    if (o.json) {
      return printJson({
        dryRun, removed: forgotten.removed.map((s) => s.id), unreferencedBytesBound: forgotten.unreferencedBytesBound,
        ...(plan ? { groups: plan.groups.map((g) => ({ host: g.host, paths: g.paths, tags: g.tags,
          snapshots: g.decisions.map((d) => ({ id: d.snapshot.id, time: d.snapshot.time, keep: d.keep, reasons: d.reasons })) })) } : {}),
        ...(pruned ? { prune: pruned } : {}),
      });
    }
    const out: string[] = [];
    for (const g of plan?.groups ?? []) {
      const name = [g.host !== undefined ? `host ${g.host}` : '', g.paths ? `paths ${g.paths.join(' ')}` : '', g.tags ? `tags ${g.tags.join(',') || '(none)'}` : ''].filter(Boolean).join(', ');
      out.push(`${name || 'all snapshots'}:`);
      out.push(table(g.decisions.map((d) => ({ id: d.snapshot.id.slice(0, 16), time: formatTime(Date.parse(d.snapshot.time)), action: d.keep ? 'keep' : 'remove', reasons: d.reasons.join(', ') })),
        ['id', 'time', 'action', 'reasons']).trimEnd());
      out.push('');
    }
    if (!plan) for (const s of forgotten.removed) out.push(`${dryRun ? 'would remove' : 'removed'} snapshot ${s.id.slice(0, 16)} ${describeSnapshot(s)}`);
    out.push(`${dryRun ? 'would remove' : 'removed'} ${forgotten.removed.length} snapshot(s)${plan ? `, kept ${plan.keep.length}` : ''}; ` +
      `up to ${formatBytes(forgotten.unreferencedBytesBound)} of data may now be unused${o.prune ? '' : ' (reclaimed by `cbs repo prune`)'}`);
    process.stdout.write(out.join('\n') + '\n' + (pruned ? '\n' + describePrune(pruned) : ''));
  }));
}

function opt<K extends string>(k: K, v: number | undefined): Partial<Record<K, number>> {
  return v === undefined ? {} : ({ [k]: v } as Record<K, number>);
}

function describeSnapshot(s: Snapshot): string {
  return `${formatTime(Date.parse(s.time))} ${s.hostname} ${s.paths.join(' ')}`;
}

async function runPrune(o: RepoFlags & PruneFlags): Promise<PruneReport> {
  const { prune } = await engine();
  const { openRepo, withRepo } = await access();
  const bar = new ProgressBar('prune', !o.json);
  try {
    // prune reads the index itself, with every copy of every blob: none is loaded here.
    return await withRepo(await openRepo(o, { skipIndex: true }), (r) => prune(r, {
      dryRun: o.dryRun ?? false, maxUnused: parseMaxUnused(o.maxUnused),
      lockWait: { timeoutMs: parseDuration(o.lockWait, '--lock-wait'), onWait: lockWaitNotice() },
      onProgress: (p) => bar.step(p.step, p.done, p.total),
    }));
  } finally {
    bar.stop();
  }
}

/** What a prune did (or, dry, would do), for people. */
export function describePrune(r: PruneReport): string {
  const will = r.dryRun ? 'would be' : '';
  const w = (verb: string): string => (r.dryRun ? `would be ${verb}` : verb);
  return [
    `${r.dryRun ? 'prune plan (dry run: nothing changed)' : 'pruned'}: ${r.snapshotsKept} snapshot(s) kept with all their data`,
    `packs       ${r.packsBefore} → ${r.packsAfter}${will ? ' (estimated)' : ''}: ${r.packsDeleted} ${w('deleted')}` +
      `${r.packsUnindexed ? ` (${r.packsUnindexed} not in the index)` : ''}, ${r.packsRepacked} ${w('repacked')} into ${r.packsWritten} new, ` +
      `${r.packsBefore - r.packsDeleted - r.packsRepacked} kept${r.packsMissing ? `; ${r.packsMissing} missing pack(s) dropped from the index` : ''}`,
    `blobs       ${r.blobsBefore} → ${r.blobsAfter}: ${r.blobsRemoved} ${w('removed')}, ${r.blobsRepacked} ${w('copied')}`,
    `data        ${formatBytes(r.usedBytes)} used; unused ${formatBytes(r.unusedBytesBefore)} → ${formatBytes(r.unusedBytesAfter)}`,
    `repository  ${formatBytes(r.bytesBefore)} → ${formatBytes(r.bytesAfter)}: ${formatBytes(r.bytesReclaimed)} ${w('reclaimed')} (packs and index)`,
    ...(r.dryRun ? [] : [`index       ${r.indexObjectsDeleted} object(s) replaced by ${r.indexObjectsWritten}; took ${(r.durationMs / 1000).toFixed(1)} s`]),
  ].join('\n') + '\n';
}
