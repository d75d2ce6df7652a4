import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { ApiError } from '../api/client';
import type { Progress } from '../api/types';
import { bytes, count } from '../format';

/** The frame of a page: its title (also the tab's), optional actions beside it. Focus moves to the title on arrival. */
export function Page({ title, sub, actions, children }: { title: string; sub?: ComponentChildren; actions?: ComponentChildren; children?: ComponentChildren }): JSX.Element {
  const h = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · OpenCBS`;
  }, [title]);
  useEffect(() => {
    // Keyboard and screen-reader users start reading the new page, not the link they left.
    h.current?.focus({ preventScroll: true });
  }, []);
  return (
    <section class="page">
      <header class="page-head">
        <div>
          <h1 tabIndex={-1} ref={h}>{title}</h1>
          {sub && <p class="sub">{sub}</p>}
        </div>
        {actions && <div class="actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}

const TONE: Record<string, string> = {
  COMPLETED: 'ok', SUCCESS: 'ok', ON: 'ok', online: 'ok',
  FAILED: 'bad', offline: 'bad',
  IN_PROGRESS: 'busy', ACTIVATING: 'busy',
  PENDING: 'wait', OFF: 'off',
};

export function toneOf(status: string): string {
  return TONE[status] ?? 'off';
}

/** A status word as the API sends it, coloured by what it means. */
export function Status({ value, label }: { value: string; label?: string }): JSX.Element {
  return <span class={`status tone-${toneOf(value)}`} data-status={value}>{label ?? value.replace('_', ' ')}</span>;
}

/** An API error as the API words it, with its code. */
export function ErrorBox({ error, title }: { error: ApiError | undefined; title?: string }): JSX.Element | null {
  if (!error) return null;
  return (
    <div class="error" role="alert">
      {title && <strong>{title}: </strong>}
      <span class="error-message">{error.message}</span>
      {error.code && <code class="error-code">{error.code}</code>}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }): JSX.Element {
  return (
    <div class="empty">
      <p class="empty-title">{title}</p>
      {children && <div class="empty-body">{children}</div>}
    </div>
  );
}

export function Loading({ what }: { what: string }): JSX.Element {
  return <p class="loading" aria-live="polite">Loading {what}…</p>;
}

/** Bytes and files done of the totals, as a bar and in words. */
export function ProgressBar({ progress }: { progress: Progress | undefined }): JSX.Element | null {
  if (!progress) return null;
  const total = progress['bytes-total'];
  const done = progress['bytes-done'];
  const pct = total > 0 ? Math.min(100, (done / total) * 100) : 0;
  return (
    <div class="progress">
      <progress max={100} value={pct} aria-label="Progress">{pct.toFixed(0)} %</progress>
      <span>
        {bytes(done)} of {bytes(total)} · {count(progress['files-done'], 'file')} of {progress['files-total'].toLocaleString()}
      </span>
    </div>
  );
}

/** Term–value pairs. */
export function Facts({ items }: { items: Array<[string, ComponentChildren]> }): JSX.Element {
  return (
    <dl class="facts">
      {items.map(([k, v]) => (
        <div key={k}><dt>{k}</dt><dd>{v}</dd></div>
      ))}
    </dl>
  );
}

/** Tables scroll sideways inside their box on narrow screens instead of widening the page. */
export function TableBox({ label, children }: { label: string; children: ComponentChildren }): JSX.Element {
  return <div class="table-box" role="region" aria-label={label} tabIndex={0}>{children}</div>;
}
