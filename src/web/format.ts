/** How the console writes numbers and times: bytes in binary units, local dates, durations. */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function bytes(n: number | string | undefined): string {
  const v = typeof n === 'string' ? Number(n) : n;
  if (v === undefined || !Number.isFinite(v)) return '—';
  let x = v;
  let u = 0;
  while (x >= 1024 && u < UNITS.length - 1) { x /= 1024; u++; }
  return u === 0 ? `${x} B` : `${x < 10 ? x.toFixed(1) : Math.round(x)} ${UNITS[u]}`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function when(ms: number | undefined): string {
  return ms === undefined ? '—' : dateTime.format(new Date(ms));
}

export function isoWhen(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

/** 2 h 03 min, 4 min 05 s, 12.3 s, 450 ms. */
export function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(Math.floor(s % 60)).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** A job's run time: end − start when done, now − start while running, nothing before it starts. */
export function jobDuration(j: { 'start-time'?: number; 'end-time'?: number }, now = Date.now()): string {
  const start = j['start-time'];
  if (start === undefined) return '—';
  return duration((j['end-time'] ?? now) - start);
}

const integer = new Intl.NumberFormat();

export function count(n: number, one: string, many = `${one}s`): string {
  return `${integer.format(n)} ${n === 1 ? one : many}`;
}

export function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 8)}…` : id;
}

export function typeLabel(t: string): string {
  const labels: Record<string, string> = {
    'backup-working-environment': 'Activate backup',
    'backup-volume': 'Backup',
    'multi-volume-backup': 'Multi-volume backup',
    'restore-volume': 'Volume restore',
    'restore-file': 'File restore',
    'restore-folder': 'Folder restore',
    'delete-backup': 'Delete backups',
    retention: 'Retention',
    check: 'Check',
  };
  return labels[t] ?? t;
}
