import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, ConfigError } from './config.js';

test('defaults: ./.cbs home, 127.0.0.1:8080, SQLite under the home, frozen', () => {
  const c = loadConfig({}, {});
  assert.equal(c.server.host, '127.0.0.1');
  assert.equal(c.server.port, 8080);
  assert.ok(c.store.url.startsWith('sqlite:') && c.store.url.endsWith('/.cbs/cbs.db'));
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.server));
});

test('flags win over environment variables; bad values name the setting', () => {
  assert.equal(loadConfig({ port: '9090' }, { CBS_PORT: '7070' }).server.port, 9090);
  assert.equal(loadConfig({}, { CBS_PORT: '7070' }).server.port, 7070);
  assert.throws(() => loadConfig({}, { CBS_PORT: 'eighty' }), (e: unknown) => e instanceof ConfigError && e.setting === 'CBS_PORT');
  assert.throws(() => loadConfig({}, { CBS_DATABASE_URL: 'mysql://x' }), /CBS_DATABASE_URL/);
});

test('OIDC issuer settings: both or neither, and the JWKS URL must be http(s)', () => {
  assert.equal(loadConfig({}, {}).oidc, undefined);
  assert.deepEqual(loadConfig({}, { CBS_OIDC_JWKS_URL: 'https://idp/jwks', CBS_OIDC_ISSUER: 'https://idp/' }).oidc, { jwksUrl: 'https://idp/jwks', issuer: 'https://idp/' });
  assert.throws(() => loadConfig({}, { CBS_OIDC_JWKS_URL: 'https://idp/jwks' }), /CBS_OIDC_ISSUER/);
  assert.throws(() => loadConfig({}, { CBS_OIDC_ISSUER: 'https://idp/', CBS_OIDC_JWKS_URL: 'file:///etc/passwd' }), /CBS_OIDC_JWKS_URL/);
});

test('secret files default to the home; the maximum token lifetime takes a duration and is bounded', () => {
  const c = loadConfig({}, { CBS_HOME: '/srv/cbs' });
  assert.equal(c.secrets.kekFile, '/srv/cbs/kek');
  assert.equal(c.secrets.tokenSecretFile, '/srv/cbs/token-secret');
  assert.equal(c.tokens.maxTtlSeconds, 90 * 86400);
  const o = loadConfig({ kekFile: '/keys/kek' }, { CBS_TOKEN_SECRET_FILE: '/keys/ts', CBS_TOKEN_MAX_TTL: '12h' });
  assert.deepEqual([o.secrets.kekFile, o.secrets.tokenSecretFile, o.tokens.maxTtlSeconds], ['/keys/kek', '/keys/ts', 43200]);
  assert.equal(loadConfig({}, { CBS_TOKEN_MAX_TTL: '3600' }).tokens.maxTtlSeconds, 3600);
  for (const bad of ['0', '59', '11y', 'forever', '-5d']) {
    assert.throws(() => loadConfig({}, { CBS_TOKEN_MAX_TTL: bad }), (e: unknown) => e instanceof ConfigError && e.setting === 'CBS_TOKEN_MAX_TTL', bad);
  }
});

test('client commands read their environment through config: empty means unset; the old S3 secret name is an alias', async () => {
  const { cliEnvironment } = await import('./cli-environment.js');
  const e = cliEnvironment({ CBS_SERVER: 'http://s', CBS_TOKEN: '', CBS_S3_SECRET: 'old', CBS_DEBUG: '1', CBS_REPO: 'local:/r' });
  assert.deepEqual([e.server, e.token, e.s3SecretAccessKey, e.debug, e.repo], ['http://s', undefined, 'old', true, 'local:/r']);
  assert.equal(cliEnvironment({ CBS_S3_SECRET: 'old', CBS_S3_SECRET_ACCESS_KEY: 'new' }).s3SecretAccessKey, 'new');
  assert.equal(cliEnvironment({}).debug, false);
  assert.ok(Object.isFrozen(e));
});
