import type { JSX } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError } from './api/client';
import { forgetSession, signIn, storedSession, type SignedIn } from './api/session';
import { Console, type ConsoleContext } from './context';
import { pollingJobFeed } from './feed/job-feed';
import { Link, match, Redirect, useLocation } from './router';
import { Loading } from './components/ui';
import { SignInPage } from './pages/sign-in';
import { JobsPage } from './pages/jobs';
import { JobPage } from './pages/job';
import { EnvironmentsPage } from './pages/environments';
import { EnvironmentPage } from './pages/environment';
import { ActivatePage } from './pages/activate';
import { VolumePage } from './pages/volume';
import { RestorePage } from './pages/restore';

type State =
  | { kind: 'checking' }
  | { kind: 'signed-out'; error?: ApiError }
  | { kind: 'signed-in'; s: SignedIn };

/** The console: signs in (or resumes the tab's session), then routes between pages. */
export function App(): JSX.Element {
  const [state, setState] = useState<State>(() => (storedSession() ? { kind: 'checking' } : { kind: 'signed-out' }));

  const onUnauthorized = (error: ApiError): void => {
    forgetSession();
    setState({ kind: 'signed-out', error });
  };

  const start = async (token: string, accountId?: string): Promise<void> => {
    try {
      setState({ kind: 'signed-in', s: await signIn(token, accountId, onUnauthorized) });
    } catch (e) {
      forgetSession();
      setState({ kind: 'signed-out', error: e instanceof ApiError ? e : new ApiError(0, '', String(e)) });
    }
  };

  useEffect(() => {
    const stored = storedSession();
    if (stored) void start(stored.token, stored.accountId);
  }, []);

  if (state.kind === 'checking') return <main id="main" class="centered"><Loading what="your session" /></main>;
  if (state.kind === 'signed-out') return <SignInPage error={state.error} onToken={(t) => start(t)} />;
  return <SignedInConsole s={state.s} onSignOut={() => { forgetSession(); setState({ kind: 'signed-out' }); }} onAccount={(id) => void start(state.s.api.creds.token, id)} />;
}

function SignedInConsole({ s, onSignOut, onAccount }: { s: SignedIn; onSignOut(): void; onAccount(id: string): void }): JSX.Element {
  const ctx = useMemo<ConsoleContext>(() => ({
    ...s, feed: pollingJobFeed(s.api), signOut: onSignOut, switchAccount: onAccount,
  }), [s]);
  const loc = useLocation();
  return (
    <Console.Provider value={ctx}>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <Link class="brand" href="/jobs">OpenCBS</Link>
        <nav aria-label="Main">
          <Link href="/jobs" aria-current={loc.path.startsWith('/jobs') ? 'page' : undefined}>Jobs</Link>
          <Link href="/environments" aria-current={loc.path.startsWith('/environments') ? 'page' : undefined}>Working environments</Link>
          {s.canOperate && <Link href="/restore" aria-current={loc.path.startsWith('/restore') ? 'page' : undefined}>Restore</Link>}
        </nav>
        <div class="who">
          {s.session.account.length > 1 ? (
            <label>
              <span class="visually-hidden">Account</span>
              <select value={s.accountId} onChange={(e) => onAccount((e.target as HTMLSelectElement).value)}>
                {s.session.account.map((a) => <option key={a.id} value={a.id}>{a.name} ({a.id})</option>)}
              </select>
            </label>
          ) : <span class="account" title={s.accountId}>{s.session.account[0]?.name}</span>}
          <span class="role" data-role={s.role}>{s.role}</span>
          <button type="button" class="link" onClick={onSignOut}>Sign out</button>
        </div>
      </header>
      <main id="main">
        <Routes path={loc.path} query={loc.query} key={s.accountId} />
      </main>
    </Console.Provider>
  );
}

function Routes({ path, query }: { path: string; query: URLSearchParams }): JSX.Element {
  let m: Record<string, string> | undefined;
  if (path === '/' || path === '/sign-in') return <Redirect to="/jobs" />;
  if (match('/jobs', path)) return <JobsPage query={query} />;
  if ((m = match('/jobs/:id', path))) return <JobPage key={m['id']} jobId={m['id']!} />;
  if (match('/environments', path)) return <EnvironmentsPage />;
  if ((m = match('/environments/:weId', path))) return <EnvironmentPage key={m['weId']} weId={m['weId']!} />;
  if ((m = match('/environments/:weId/activate', path))) return <ActivatePage weId={m['weId']!} />;
  if ((m = match('/environments/:weId/volumes/:volumeId', path))) return <VolumePage key={path} weId={m['weId']!} volumeId={m['volumeId']!} />;
  if (match('/restore', path)) return <RestorePage query={query} />;
  return (
    <section class="page">
      <h1>Not found</h1>
      <p>No page at <code>/ui{path}</code>. <Link href="/jobs">Go to the jobs</Link>.</p>
    </section>
  );
}
