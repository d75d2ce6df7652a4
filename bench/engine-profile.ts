/**
 * Where the engine spends its CPU: sums V8 CPU profiles (`node --cpu-prof`, one file
 * per thread, worker threads included) by engine layer (`src/repo/<layer>`,
 * `src/storage/…`), and lists the functions with the most self time.
 *
 *   node dist/bench/engine-profile.js DIR_WITH_CPUPROFILES
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string }; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

export interface ProfileRow { readonly where: string; readonly ms: number; readonly share: number }
export interface ProfileSummary { readonly threads: number; readonly totalMs: number; readonly byLayer: ProfileRow[]; readonly topFunctions: ProfileRow[] }

function layerOf(url: string, fn: string): string {
  const m = /\/(src\/(?:repo|storage)\/[^/]+)\//.exec(url) ?? /\/(src\/[^/]+)\//.exec(url);
  if (m) return m[1]!;
  if (url.includes('/node_modules/')) return `node_modules/${/\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? '?'}`;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  if (fn === '(garbage collector)') return '(gc)';
  if (fn === '(idle)' || fn === '(program)' || fn === '(root)') return fn;
  return url === '' ? '(native / builtins)' : url;
}

/**
 * Time spent in node internals, native code and libraries is charged to the nearest
 * caller in our own code (`zstd-napi` called from `src/repo/compress` counts as
 * compress), so the answer names the engine layer to work on; samples with no such
 * caller (start-up, module loading, GC) keep their own label.
 */
function ownerLayer(n: ProfileNode, nodes: Map<number, ProfileNode>, parent: Map<number, number>): string {
  const self = layerOf(n.callFrame.url, n.callFrame.functionName);
  for (let cur: ProfileNode | undefined = n; cur; cur = nodes.get(parent.get(cur.id) ?? -1)) {
    const l = layerOf(cur.callFrame.url, cur.callFrame.functionName);
    if (l.startsWith('src/')) return l;
  }
  return self;
}

export async function summarizeProfiles(dir: string, top = 15): Promise<ProfileSummary> {
  const byLayer = new Map<string, number>();
  const byFn = new Map<string, number>();
  let threads = 0;
  let total = 0;
  for (const f of (await readdir(dir)).filter((n) => n.endsWith('.cpuprofile'))) {
    const p = JSON.parse(await readFile(join(dir, f), 'utf8')) as CpuProfile;
    threads++;
    const nodes = new Map(p.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    for (let i = 0; i < p.samples.length; i++) {
      const n = nodes.get(p.samples[i]!);
      if (!n) continue;
      const ms = (p.timeDeltas[i] ?? 0) / 1000;
      const layer = ownerLayer(n, nodes, parent);
      if (layer === '(idle)') continue; // a waiting thread is not a cost
      total += ms;
      byLayer.set(layer, (byLayer.get(layer) ?? 0) + ms);
      const fnKey = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/(src|node_modules)\//, '$1/')}`;
      byFn.set(fnKey, (byFn.get(fnKey) ?? 0) + ms);
    }
  }
  const rows = (m: Map<string, number>): ProfileRow[] => [...m].sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([where, ms]) => ({ where, ms: Math.round(ms), share: total ? ms / total : 0 }));
  return { threads, totalMs: Math.round(total), byLayer: rows(byLayer), topFunctions: rows(byFn) };
}

export function formatProfile(s: ProfileSummary): string {
  const line = (r: ProfileRow): string => `  ${(r.share * 100).toFixed(1).padStart(5)} %  ${String(r.ms).padStart(7)} ms  ${r.where}`;
  return [`CPU (busy, ${s.threads} threads): ${s.totalMs} ms`, 'by layer:', ...s.byLayer.map(line), 'top functions (self time):', ...s.topFunctions.map(line)].join('\n') + '\n';
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: node dist/bench/engine-profile.js DIR\n');
    process.exitCode = 2;
  } else {
    process.stdout.write(formatProfile(await summarizeProfiles(dir)));
  }
}
