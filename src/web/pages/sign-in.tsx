import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiError } from '../api/client';
import { ErrorBox } from '../components/ui';

/** Sign in with a bearer token. The API's own message says what is wrong with a refused one. */
export function SignInPage({ error, onToken }: { error?: ApiError; onToken(token: string): Promise<void> }): JSX.Element {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    document.title = 'Sign in · OpenCBS';
    input.current?.focus();
  }, [error]);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (!token.trim()) return;
    setBusy(true);
    await onToken(token);
    setBusy(false);
  };
  return (
    <main id="main" class="sign-in">
      <form onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Sign in to OpenCBS</h1>
        <ErrorBox error={error} title="Sign-in failed" />
        <label for="token">Bearer token</label>
        <textarea
          id="token" ref={input} rows={4} spellcheck={false} autocomplete="off" required
          value={token} onInput={(e) => setToken((e.target as HTMLTextAreaElement).value)}
          onKeyDown={(e) => { if (e.key === 'Enter' && !e.shiftKey) { void submit(e); } }}
        />
        <p class="hint">
          The admin token is in <code>$CBS_HOME/credentials.json</code>; <code>cbs token create --account ID --role viewer</code> makes others.
          It is kept in this tab only, until you sign out or close it.
        </p>
        <button type="submit" class="primary" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
    </main>
  );
}
