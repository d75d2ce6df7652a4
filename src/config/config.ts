import { resolve, join } from 'node:path';
import { DEFAULTS } from './defaults.js';

/**
 * The one configuration schema. Every setting has an environment variable and a CLI
 * flag (flags win); it is read and validated once, here, into a frozen Config. Each
 * constructor elsewhere receives only its own slice. Defaults and their reasons:
 * defaults.ts.
 */
export interface Config {
  /** Root of local state: cbs.db, credentials.json, kek, token-secret, buckets/, volumes/ (0700). @default DEFAULTS.home */
  readonly home: string;
  readonly server: {
    /** @default DEFAULTS.host */
    readonly host: string;
    /** @default DEFAULTS.port */
    readonly port: number;
    /** Largest accepted request body, bytes. @default DEFAULTS.bodyLimit */
    readonly bodyLimit: number;
    /** Public URL written into credentials.json. @default http://host:port */
    readonly publicUrl: string;
  };
  readonly store: {
    /** `sqlite:/path/cbs.db`, `sqlite::memory:` or `postgres://…`. @default sqlite:$CBS_HOME/cbs.db */
    readonly url: string;
  };
  readonly jobs: {
    /** Lease an agent gets on a claimed task; renewed by heartbeat. @default DEFAULTS.leaseMs */
    readonly leaseMs: number;
    /** How often expired leases are swept. @default DEFAULTS.leaseSweepIntervalMs */
    readonly sweepIntervalMs: number;
    /** Claims of a task before an expired lease fails it instead of retrying. @default DEFAULTS.maxAttempts */
    readonly maxAttempts: number;
    /** How long a browse waits for the agent's answer. @default DEFAULTS.agentCallTimeoutMs */
    readonly agentCallTimeoutMs: number;
    /** A running job's task whose agent shows no sign of life this long fails. @default DEFAULTS.agentGoneMs */
    readonly agentGoneMs: number;
  };
  /** Default root of LOCAL buckets: `<root>/<bucket>`. @default $CBS_HOME/buckets */
  readonly bucketsRoot: string;
  /** The agent: embedded in `cbs serve`, or standalone `cbs agent`. */
  readonly agent: {
    /** Run the embedded agent in `cbs serve`. @default true */
    readonly embedded: boolean;
    /** Root of the embedded agent's WE `local`. @default $CBS_HOME/volumes */
    readonly volumesRoot: string;
    /** Tasks an agent runs at once. @default DEFAULTS.agentConcurrency */
    readonly concurrency: number;
    /** Long-poll length of an agent's claim. @default DEFAULTS.agentClaimWaitMs */
    readonly claimWaitMs: number;
    /** How often an agent re-reports its volumes. @default DEFAULTS.discoverIntervalMs */
    readonly discoverIntervalMs: number;
    /** Engine worker threads per backup / restore; 0 = one per core. @default DEFAULTS.engineWorkers */
    readonly workers: number;
    /** A task whose progress has not moved for this long is aborted and failed; 0 never. @default DEFAULTS.agentStallMs */
    readonly stallMs: number;
  };
  /**
   * Secrets kept beside the database, never in it; every control-plane instance of one
   * store is given the same files.
   */
  readonly secrets: {
    /** The key-encryption key wrapping repository keys and provider credentials. @default $CBS_HOME/kek */
    readonly kekFile: string;
    /** The secret signing the server's tokens (HS256). @default $CBS_HOME/token-secret */
    readonly tokenSecretFile: string;
  };
  readonly tokens: {
    /** Longest lifetime of any accepted bearer token, seconds; also the admin token's lifetime. @default 7776000 (90d) */
    readonly maxTtlSeconds: number;
  };
  /** pino level. @default DEFAULTS.logLevel */
  readonly logLevel: string;
  /** Trust bearer tokens of this OIDC issuer too (verified against its JWKS). @default none */
  readonly oidc?: { readonly jwksUrl: string; readonly issuer: string; readonly audience?: string };
}

export interface ConfigInput {
  home?: string;
  host?: string;
  port?: string | number;
  databaseUrl?: string;
  bodyLimit?: string | number;
  publicUrl?: string;
  leaseMs?: string | number;
  sweepIntervalMs?: string | number;
  logLevel?: string;
  maxAttempts?: string | number;
  agentCallTimeoutMs?: string | number;
  bucketsRoot?: string;
  embeddedAgent?: string | boolean;
  volumesRoot?: string;
  agentConcurrency?: string | number;
  claimWaitMs?: string | number;
  discoverIntervalMs?: string | number;
  engineWorkers?: string | number;
  agentStallMs?: string | number;
  agentGoneMs?: string | number;
  oidcJwksUrl?: string;
  oidcIssuer?: string;
  oidcAudience?: string;
  kekFile?: string;
  tokenSecretFile?: string;
  tokenMaxTtl?: string | number;
}

export class ConfigError extends Error {
  constructor(readonly setting: string, message: string) {
    super(`invalid setting ${setting}: ${message}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function int(name: string, v: string | number | undefined, dflt: number, min: number, max: number): number {
  if (v === undefined || v === '') return dflt;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(name, `expected an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  return n;
}

/** Environment variables, by the ConfigInput field they feed. */
export const ENV_VARS: Record<keyof ConfigInput, string> = {
  home: 'CBS_HOME',
  host: 'CBS_HOST',
  port: 'CBS_PORT',
  databaseUrl: 'CBS_DATABASE_URL',
  bodyLimit: 'CBS_BODY_LIMIT',
  publicUrl: 'CBS_PUBLIC_URL',
  leaseMs: 'CBS_TASK_LEASE_MS',
  sweepIntervalMs: 'CBS_LEASE_SWEEP_MS',
  logLevel: 'CBS_LOG_LEVEL',
  maxAttempts: 'CBS_TASK_MAX_ATTEMPTS',
  agentCallTimeoutMs: 'CBS_AGENT_CALL_TIMEOUT_MS',
  bucketsRoot: 'CBS_BUCKETS_ROOT',
  embeddedAgent: 'CBS_EMBEDDED_AGENT',
  volumesRoot: 'CBS_VOLUMES_ROOT',
  agentConcurrency: 'CBS_AGENT_CONCURRENCY',
  claimWaitMs: 'CBS_AGENT_CLAIM_WAIT_MS',
  discoverIntervalMs: 'CBS_DISCOVER_INTERVAL_MS',
  engineWorkers: 'CBS_ENGINE_WORKERS',
  agentStallMs: 'CBS_AGENT_STALL_MS',
  agentGoneMs: 'CBS_AGENT_GONE_MS',
  oidcJwksUrl: 'CBS_OIDC_JWKS_URL',
  oidcIssuer: 'CBS_OIDC_ISSUER',
  oidcAudience: 'CBS_OIDC_AUDIENCE',
  kekFile: 'CBS_KEK_FILE',
  tokenSecretFile: 'CBS_TOKEN_SECRET_FILE',
  tokenMaxTtl: 'CBS_TOKEN_MAX_TTL',
};

/** A duration in seconds: a number, or a number with s, m, h, d or y (365 days). */
function seconds(name: string, v: string | number | undefined, dflt: number, min: number, max: number): number {
  if (v === undefined || v === '') return dflt;
  const m = /^(\d+)\s*([smhdy]?)$/.exec(String(v).trim());
  const n = m ? Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400, y: 365 * 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd' | 'y'] : NaN;
  if (!(n >= min && n <= max)) throw new ConfigError(name, `expected a duration from ${min}s to ${max}s (e.g. 3600, 12h, 90d), got ${JSON.stringify(v)}`);
  return n;
}

function bool(name: string, v: string | boolean | undefined, dflt: boolean): boolean {
  if (v === undefined || v === '') return dflt;
  if (typeof v === 'boolean') return v;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new ConfigError(name, `expected true or false, got ${JSON.stringify(v)}`);
}

/** Merges flags over environment variables and validates. Throws ConfigError naming the setting. */
export function loadConfig(flags: ConfigInput = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const pick = <K extends keyof ConfigInput>(k: K): ConfigInput[K] => (flags[k] ?? env[ENV_VARS[k]]) as ConfigInput[K];
  const home = resolve(String(pick('home') ?? DEFAULTS.home));
  const host = String(pick('host') ?? DEFAULTS.host);
  const port = int(ENV_VARS.port, pick('port'), DEFAULTS.port, 0, 65535);
  const url = String(pick('databaseUrl') ?? `sqlite:${join(home, 'cbs.db')}`);
  if (!/^(sqlite:|postgres:\/\/|postgresql:\/\/)/.test(url)) {
    throw new ConfigError(ENV_VARS.databaseUrl, 'expected sqlite:/path, sqlite::memory: or postgres://…');
  }
  const logLevel = String(pick('logLevel') ?? DEFAULTS.logLevel);
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(ENV_VARS.logLevel, `expected one of ${LOG_LEVELS.join(', ')}`);
  const displayHost = host.includes(':') ? `[${host}]` : host;
  const cfg: Config = {
    home,
    server: {
      host,
      port,
      bodyLimit: int(ENV_VARS.bodyLimit, pick('bodyLimit'), DEFAULTS.bodyLimit, 1024, 64 * 1024 * 1024),
      publicUrl: String(pick('publicUrl') ?? `http://${displayHost === '0.0.0.0' ? '127.0.0.1' : displayHost}:${port}`),
    },
    store: { url },
    jobs: {
      leaseMs: int(ENV_VARS.leaseMs, pick('leaseMs'), DEFAULTS.leaseMs, 1000, 3_600_000),
      sweepIntervalMs: int(ENV_VARS.sweepIntervalMs, pick('sweepIntervalMs'), DEFAULTS.leaseSweepIntervalMs, 100, 600_000),
      maxAttempts: int(ENV_VARS.maxAttempts, pick('maxAttempts'), DEFAULTS.maxAttempts, 1, 100),
      agentCallTimeoutMs: int(ENV_VARS.agentCallTimeoutMs, pick('agentCallTimeoutMs'), DEFAULTS.agentCallTimeoutMs, 100, 600_000),
      agentGoneMs: int(ENV_VARS.agentGoneMs, pick('agentGoneMs'), DEFAULTS.agentGoneMs, 1000, 86_400_000),
    },
    bucketsRoot: resolve(String(pick('bucketsRoot') ?? join(home, 'buckets'))),
    agent: {
      embedded: bool(ENV_VARS.embeddedAgent, pick('embeddedAgent'), true),
      volumesRoot: resolve(String(pick('volumesRoot') ?? join(home, 'volumes'))),
      concurrency: int(ENV_VARS.agentConcurrency, pick('agentConcurrency'), DEFAULTS.agentConcurrency, 1, 64),
      claimWaitMs: int(ENV_VARS.claimWaitMs, pick('claimWaitMs'), DEFAULTS.agentClaimWaitMs, 0, 300_000),
      discoverIntervalMs: int(ENV_VARS.discoverIntervalMs, pick('discoverIntervalMs'), DEFAULTS.discoverIntervalMs, 100, 86_400_000),
      workers: int(ENV_VARS.engineWorkers, pick('engineWorkers'), DEFAULTS.engineWorkers, 0, 256),
      stallMs: int(ENV_VARS.agentStallMs, pick('agentStallMs'), DEFAULTS.agentStallMs, 0, 86_400_000),
    },
    secrets: {
      kekFile: resolve(String(pick('kekFile') ?? join(home, 'kek'))),
      tokenSecretFile: resolve(String(pick('tokenSecretFile') ?? join(home, 'token-secret'))),
    },
    tokens: { maxTtlSeconds: seconds(ENV_VARS.tokenMaxTtl, pick('tokenMaxTtl'), 90 * 86400, 60, 10 * 365 * 86400) },
    logLevel,
    ...oidcSettings(pick('oidcJwksUrl'), pick('oidcIssuer'), pick('oidcAudience')),
  };
  return deepFreeze(cfg);
}

function oidcSettings(jwksUrl: string | undefined, issuer: string | undefined, audience: string | undefined): Pick<Config, 'oidc'> {
  if (!jwksUrl && !issuer) return {};
  if (!jwksUrl || !issuer) throw new ConfigError(jwksUrl ? ENV_VARS.oidcIssuer : ENV_VARS.oidcJwksUrl, 'CBS_OIDC_JWKS_URL and CBS_OIDC_ISSUER go together');
  try {
    const u = new URL(jwksUrl);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('not http(s)');
  } catch {
    throw new ConfigError(ENV_VARS.oidcJwksUrl, `expected an http(s) URL, got ${JSON.stringify(jwksUrl)}`);
  }
  return { oidc: { jwksUrl, issuer, ...(audience ? { audience } : {}) } };
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
