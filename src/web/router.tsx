import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/**
 * Client-side routes under /ui with the History API: /ui/jobs/… are real URLs (the
 * server answers index.html for them), so links can be opened in a new tab, shared,
 * and the back button works.
 */
export const BASE = '/ui';

export interface Location { path: string; query: URLSearchParams }

const listeners = new Set<() => void>();

function current(): Location {
  const p = window.location.pathname;
  const path = p.startsWith(BASE) ? p.slice(BASE.length) || '/' : p;
  return { path, query: new URLSearchParams(window.location.search) };
}

export function navigate(to: string, o: { replace?: boolean } = {}): void {
  const url = BASE + to;
  if (o.replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  for (const l of listeners) l();
}

window.addEventListener('popstate', () => { for (const l of listeners) l(); });

export function useLocation(): Location {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const l = (): void => setLoc(current());
    listeners.add(l);
    // A navigation between the first render and this subscription is not missed.
    l();
    return () => { listeners.delete(l); };
  }, []);
  return loc;
}

/** Replaces the current URL by `to` once rendered. */
export function Redirect({ to }: { to: string }): null {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

/** `/jobs/:id` against `/jobs/42` → {id: '42'}; undefined when it does not match. */
export function match(pattern: string, path: string): Record<string, string> | undefined {
  const ps = pattern.split('/').filter(Boolean);
  const xs = path.split('/').filter(Boolean);
  if (ps.length !== xs.length) return undefined;
  const out: Record<string, string> = {};
  for (let i = 0; i < ps.length; i++) {
    const p = ps[i]!;
    const x = xs[i]!;
    if (p.startsWith(':')) out[p.slice(1)] = decodeURIComponent(x);
    else if (p !== x) return undefined;
  }
  return out;
}

/** `href` with its query, dropping empty values. */
export function withQuery(path: string, q: Record<string, string | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v) p.set(k, v);
  const s = p.toString();
  return s ? `${path}?${s}` : path;
}

interface LinkProps {
  href: string;
  children?: ComponentChildren;
  class?: string;
  title?: string;
  'aria-current'?: 'page' | undefined;
  'aria-label'?: string;
  'data-action'?: string;
}

/** An ordinary link (middle-click, copy link work) that routes in the page on a plain click. */
export function Link({ href, children, ...rest }: LinkProps): JSX.Element {
  const onClick = (e: MouseEvent): void => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return <a href={BASE + href} onClick={onClick} {...rest}>{children}</a>;
}
