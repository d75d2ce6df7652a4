import { Api, ApiError, fetchSession } from './client';
import type { Role, Session } from './types';

/**
 * Signing in: the user gives a bearer token; GET /auth/v1/session says its role and
 * accounts, and names the agents whose id the API wants as `x-agent-id`. The token is
 * kept in sessionStorage: it survives a reload of the tab, not the tab itself, and no
 * other tab or site sees it.
 */
const KEY = 'opencbs.session';

interface Stored { token: string; accountId?: string }

export interface SignedIn {
  session: Session;
  accountId: string;
  api: Api;
  role: Role;
  /** May start backups and restores (admin, operator). */
  canOperate: boolean;
  /** May activate backup (admin). */
  canAdminister: boolean;
}

export function storedSession(): Stored | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    const s = raw ? (JSON.parse(raw) as Stored) : undefined;
    return s && typeof s.token === 'string' ? s : undefined;
  } catch {
    return undefined;
  }
}

export function forgetSession(): void {
  sessionStorage.removeItem(KEY);
}

/** Checks the token with the server and picks the account (the one asked for, else the first). */
export async function signIn(token: string, accountId: string | undefined, onUnauthorized: (e: ApiError) => void): Promise<SignedIn> {
  const session = await fetchSession(token.trim());
  if (session.account.length === 0) {
    throw new ApiError(403, '', 'This token grants no account that exists on this server.');
  }
  const account = session.account.find((a) => a.id === accountId) ?? session.account[0]!;
  const agentId = account['agent-id'][0];
  if (agentId === undefined) {
    throw new ApiError(409, '', `No agent has registered a working environment in account ${account.id} yet; start one (cbs serve starts its embedded agent, or cbs agent --we NAME=ROOT) and sign in again.`);
  }
  sessionStorage.setItem(KEY, JSON.stringify({ token: token.trim(), accountId: account.id } satisfies Stored));
  const role = session.role;
  return {
    session, accountId: account.id, role,
    api: new Api({ token: token.trim(), accountId: account.id, agentId }, onUnauthorized),
    canOperate: role === 'admin' || role === 'operator',
    canAdminister: role === 'admin',
  };
}
