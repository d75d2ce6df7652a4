import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeMatrix } from '../store/testing/store-matrix.js';
import { hashAgentSecret } from '../auth/index.js';
import { bootstrap, ensureAdminToken, openTokenKeys, SETTING_EMBEDDED_AGENT_SECRET } from './bootstrap.js';
import { credentialsPath, readCredentials, writeCredentials } from './credentials.js';

const [first] = storeMatrix();

test(`the admin token in credentials.json is kept while valid, renewed near its end or when revoked; the embedded agent's secret is stored only hashed (${first!.name})`, async () => {
  const { store, destroy } = await first!.open();
  const home = await mkdtemp(join(tmpdir(), 'cbs-bootstrap-'));
  try {
    await store.setSetting(SETTING_EMBEDDED_AGENT_SECRET, 'plain-secret-of-an-earlier-version');
    const keys = await openTokenKeys(store, { tokenSecretFile: join(home, 'token-secret'), maxTtlSeconds: 3600 });
    const opts = { home, publicUrl: 'http://127.0.0.1:1', keys };
    const c = await bootstrap(store, opts);
    assert.equal((await stat(credentialsPath(home))).mode & 0o777, 0o600);
    const p = await keys.service.verify(c.token);
    assert.ok(p.expiresAt! - Date.now() / 1000 > 3590, 'the admin token lives the maximum lifetime');
    assert.equal((await store.getAgent(c['agent-id']))!.credentialHash, hashAgentSecret(c.agentSecret));
    assert.equal(await store.getSetting(SETTING_EMBEDDED_AGENT_SECRET), undefined);

    const ids = { accountId: c['account-id'], agentId: c['agent-id'] };
    assert.equal((await ensureAdminToken(store, { ...opts, ...ids })).token, c.token, 'a fresh token is kept');

    // Less than half of its lifetime left: renewed.
    const short = await keys.service.sign({ subject: 'admin', accounts: [ids.accountId], role: 'admin' }, 1700);
    await writeCredentials(credentialsPath(home), { ...(await readCredentials(credentialsPath(home)))!, token: short });
    const renewed = await ensureAdminToken(store, { ...opts, ...ids });
    assert.notEqual(renewed.token, short);
    assert.equal((await readCredentials(credentialsPath(home)))!.token, renewed.token);

    // Revoked: renewed.
    const rp = await keys.service.verify(renewed.token);
    await store.revokeToken({ id: rp.tokenId!, revokedAt: Date.now(), expiresAt: Date.now() + 3_600_000 });
    assert.notEqual((await ensureAdminToken(store, { ...opts, ...ids })).token, renewed.token);
  } finally {
    await destroy();
    await rm(home, { recursive: true, force: true });
  }
});
