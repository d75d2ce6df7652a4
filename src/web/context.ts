import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import type { ApiError } from './api/client';
import type { SignedIn } from './api/session';
import type { Job, JobPage, JobQuery } from './api/types';
import type { JobFeed } from './feed/job-feed';

/** What every page of a signed-in console gets: the session (API, role) and the job feed. */
export interface ConsoleContext extends SignedIn {
  feed: JobFeed;
  signOut(): void;
  switchAccount(accountId: string): void;
}

export const Console = createContext<ConsoleContext | undefined>(undefined);

export function useConsole(): ConsoleContext {
  const c = useContext(Console);
  if (!c) throw new Error('useConsole outside a signed-in console');
  return c;
}

export interface Loaded<T> { value?: T; error?: ApiError; loading: boolean; reload(): void }

/** One read of the API, redone when deps change or on reload(). */
export function useApi<T>(read: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ value?: T; error?: ApiError; loading: boolean }>({ loading: true });
  const [n, setN] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    read().then(
      (value) => { if (live) setState({ value, loading: false }); },
      (error: ApiError) => { if (live) setState({ error, loading: false }); },
    );
    return () => { live = false; };
  }, [...deps, n]);
  return { ...state, reload: () => setN((x) => x + 1) };
}

/** A job, live from the job feed. */
export function useJob(jobId: string): { job?: Job; error?: ApiError } {
  const { feed } = useConsole();
  const [s, set] = useState<{ job?: Job; error?: ApiError }>({});
  useEffect(() => {
    set({});
    return feed.job(jobId, { next: (job) => set({ job }), error: (error) => set((p) => ({ ...p, error })) });
  }, [feed, jobId]);
  return s;
}

/** A page of the job list, live from the job feed. */
export function useJobList(query: JobQuery): { page?: JobPage; error?: ApiError } {
  const { feed } = useConsole();
  const [s, set] = useState<{ page?: JobPage; error?: ApiError }>({});
  const key = JSON.stringify(query);
  useEffect(() => {
    set({});
    return feed.list(query, { next: (page) => set({ page }), error: (error) => set((p) => ({ ...p, error })) });
  }, [feed, key]);
  return s;
}
