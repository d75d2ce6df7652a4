import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { HmacTokenService, ISSUER, DEFAULT_TOKEN_MAX_TTL } from './tokens.js';
import { RevocationCheckingVerifier, TokenRevocations } from './revocations.js';

const secret = randomBytes(32);
const now = (): number => Math.floor(Date.now() / 1000);

/** A token signed with the server's secret but with claims chosen by the test. */
function forge(claims: { exp?: number; iat?: number; jti?: string }): Promise<string> {
  let b = new SignJWT({ acc: ['account-Tok00001'], role: 'viewer' }).setProtectedHeader({ alg: 'HS256' }).setIssuer(ISSUER).setSubject('t');
  if (claims.iat !== undefined) b = b.setIssuedAt(claims.iat);
  if (claims.exp !== undefined) b = b.setExpirationTime(claims.exp);
  if (claims.jti !== undefined) b = b.setJti(claims.jti);
  return b.sign(secret);
}

const rejectsWith = async (p: Promise<unknown>, code: string): Promise<void> => {
  await assert.rejects(p, (e: { code?: string }) => e.code === code);
};

describe('the server\'s tokens: bounded lifetime and an id', () => {
  const svc = new HmacTokenService(secret, { maxTtlSeconds: 3600 });

  it('signs with a fresh jti and the exp asked for, and verifies to a principal naming both', async () => {
    const a = await svc.issue({ subject: 's', accounts: ['account-Tok00001'], role: 'admin' }, 600);
    const b = await svc.issue({ subject: 's', accounts: ['account-Tok00001'], role: 'admin' }, 600);
    assert.notEqual(a.id, b.id);
    const p = await svc.verify(a.token);
    assert.equal(p.tokenId, a.id);
    assert.equal(p.expiresAt, a.expiresAt);
    assert.ok(Math.abs(a.expiresAt - (now() + 600)) <= 1);
  });

  it('refuses to sign beyond the maximum lifetime', async () => {
    await rejectsWith(svc.sign({ subject: 's', accounts: ['*'], role: 'admin' }, 3601), 'VALIDATION_FAILED');
    assert.equal(new HmacTokenService(secret).maxTtlSeconds, DEFAULT_TOKEN_MAX_TTL);
  });

  it('refuses a token without exp (AUTH_NO_EXPIRY), one that lives too long (AUTH_LIFETIME_TOO_LONG), one without jti (AUTH_INVALID)', async () => {
    await rejectsWith(svc.verify(await forge({ iat: now(), jti: 'x' })), 'AUTH_NO_EXPIRY');
    await rejectsWith(svc.verify(await forge({ iat: now(), exp: now() + 3700, jti: 'x' })), 'AUTH_LIFETIME_TOO_LONG');
    // Without iat, or post-dated, the lifetime counts from now.
    await rejectsWith(svc.verify(await forge({ exp: now() + 3700, jti: 'x' })), 'AUTH_LIFETIME_TOO_LONG');
    await rejectsWith(svc.verify(await forge({ iat: now() + 3000, exp: now() + 3700, jti: 'x' })), 'AUTH_LIFETIME_TOO_LONG');
    // Issued long ago with a long life: refused even while its exp is near.
    await rejectsWith(svc.verify(await forge({ iat: now() - 7000, exp: now() + 60, jti: 'x' })), 'AUTH_LIFETIME_TOO_LONG');
    await rejectsWith(svc.verify(await forge({ iat: now(), exp: now() + 60 })), 'AUTH_INVALID');
    const ok = await svc.verify(await forge({ iat: now(), exp: now() + 3600, jti: 'x' }));
    assert.equal(ok.tokenId, 'x');
  });
});

describe('token revocations', () => {
  it('are read at most once per refresh interval, by one read for all callers, and take effect after it', async () => {
    let reads = 0;
    let list: string[] = [];
    const r = new TokenRevocations(async () => { reads++; return list; }, 60_000);
    assert.deepEqual(await Promise.all([r.isRevoked('a'), r.isRevoked('b'), r.isRevoked('a')]), [false, false, false]);
    assert.equal(reads, 1);
    list = ['a'];
    assert.equal(await r.isRevoked('a'), false, 'not before the interval has passed');
    const fresh = new TokenRevocations(async () => { reads++; return list; }, 0);
    assert.equal(await fresh.isRevoked('a'), true);
  });

  it('a list that cannot be read fails the check instead of passing it', async () => {
    const r = new TokenRevocations(async () => { throw Object.assign(new Error('down'), { code: 'STORE_UNAVAILABLE' }); }, 0);
    await assert.rejects(r.isRevoked('a'), /down/);
  });

  it('a revoked token is refused on verify and on recheck of a principal verified before', async () => {
    const svc = new HmacTokenService(secret);
    const ids: string[] = [];
    const v = new RevocationCheckingVerifier(svc, new TokenRevocations(async () => ids, 0));
    const t = await svc.issue({ subject: 's', accounts: ['*'], role: 'admin' }, 60);
    const p = await v.verify(t.token);
    ids.push(t.id);
    await rejectsWith(v.recheck(p), 'AUTH_REVOKED');
    await rejectsWith(v.verify(t.token), 'AUTH_REVOKED');
  });
});
