import { ApiError, type Api } from '../api/client';
import type { Job, JobPage, JobQuery } from '../api/types';

/**
 * The job feed: the one place the console learns that jobs changed. Pages subscribe to
 * a job or to a page of the job list and get the current state, then every change,
 * until they unsubscribe. Nothing else in the console polls jobs.
 *
 * This implementation polls the public job API. A feed over the server's job event
 * stream implements the same interface (subscribe, then re-read what an event names),
 * falling back to this one where the stream is unavailable; pages do not change.
 */
export interface JobFeed {
  /** The job now and on every change; stops by itself once the job is COMPLETED or FAILED. */
  job(jobId: string, l: FeedListener<Job>): Unsubscribe;
  /** One page of the job list (filters and cursor as GET P/v1/job) now and on every change. */
  list(query: JobQuery, l: FeedListener<JobPage>): Unsubscribe;
}

export interface FeedListener<T> {
  next(value: T): void;
  error(e: ApiError): void;
}

export type Unsubscribe = () => void;

export interface PollingOptions {
  /** Shortest time between two reads of one subscription, ms. @default 1000 */
  intervalMs?: number;
  /** Longest, however slow reads get (a job with 100,000 files is megabytes of JSON). @default 15000 */
  maxIntervalMs?: number;
}

export function isTerminal(status: string): boolean {
  return status === 'COMPLETED' || status === 'FAILED';
}

export function pollingJobFeed(api: Api, o: PollingOptions = {}): JobFeed {
  const min = o.intervalMs ?? 1000;
  const max = o.maxIntervalMs ?? 15_000;

  function poll<T>(read: () => Promise<{ value: T; text: string }>, l: FeedListener<T>, done: (v: T) => boolean): Unsubscribe {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let lastText: string | undefined;
    let failures = 0;

    const tick = async (): Promise<void> => {
      timer = undefined;
      if (stopped) return;
      // A hidden tab reads nothing; it catches up when shown again.
      if (document.visibilityState === 'hidden') return;
      const started = performance.now();
      let finished = false;
      try {
        const { value, text } = await read();
        if (stopped) return;
        failures = 0;
        if (text !== lastText) {
          lastText = text;
          l.next(value);
        }
        finished = done(value);
      } catch (e) {
        if (stopped) return;
        failures++;
        l.error(e instanceof ApiError ? e : new ApiError(0, '', String(e)));
        if (e instanceof ApiError && (e.status === 401 || e.status === 403 || e.status === 404)) finished = true;
      }
      if (finished || stopped) return;
      // Slow reads (large jobs) are spaced out; failures back off.
      const took = performance.now() - started;
      const wait = Math.min(max, Math.max(min, took * 4) * 2 ** Math.min(failures, 4));
      timer = setTimeout(() => void tick(), wait);
    };

    const onVisible = (): void => {
      if (document.visibilityState === 'visible' && timer === undefined && !stopped) void tick();
    };
    document.addEventListener('visibilitychange', onVisible);
    void tick();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }

  return {
    job(jobId, l) {
      return poll(async () => {
        const r = await api.getWithText<{ job: Job[] }>(`/v1/job/${encodeURIComponent(jobId)}`);
        return { value: r.value.job[0]!, text: r.text };
      }, l, (j) => isTerminal(j.status));
    },
    list(query, l) {
      return poll(() => api.getWithText<JobPage>('/v1/job', { ...query }), l, () => false);
    },
  };
}
