import { resolve, join } from 'node:path';

/**
 * The one configuration schema. Every setting has an environment variable and a CLI
 * flag (flags win); it is read and validated once, here, into a frozen Config. Each
 * constructor elsewhere receives only its own slice.
 */
export interface Config {
  /** Root of local state: cbs.db, credentials.json, buckets/, volumes/. @default ./.cbs */
  readonly home: string;
  readonly server: {
    /** @default 127.0.0.1 */
    readonly host: string;
    /** @default 8080 */
    readonly port: number;
    /** Largest accepted request body, bytes. @default 1048576 */
    readonly bodyLimit: number;
    /** Public URL written into credentials.json. @default http://host:port */
    readonly publicUrl: string;
  };
  readonly store: {
    /** `sqlite:/path/cbs.db`, `sqlite::memory:` or `postgres://…`. @default sqlite:$CBS_HOME/cbs.db */
    readonly url: string;
  };
  readonly jobs: {
    /** Lease an agent gets on a claimed task; renewed by heartbeat. @default 30000 */
    readonly leaseMs: number;
    /** How often expired leases are swept. @default 5000 */
    readonly sweepIntervalMs: number;
  };
  /** pino level. @default info */
  readonly logLevel: string;
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
};

/** Merges flags over environment variables and validates. Throws ConfigError naming the setting. */
export function loadConfig(flags: ConfigInput = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const pick = <K extends keyof ConfigInput>(k: K): ConfigInput[K] => (flags[k] ?? env[ENV_VARS[k]]) as ConfigInput[K];
  const home = resolve(String(pick('home') ?? './.cbs'));
  const host = String(pick('host') ?? '127.0.0.1');
  const port = int(ENV_VARS.port, pick('port'), 8080, 0, 65535);
  const url = String(pick('databaseUrl') ?? `sqlite:${join(home, 'cbs.db')}`);
  if (!/^(sqlite:|postgres:\/\/|postgresql:\/\/)/.test(url)) {
    throw new ConfigError(ENV_VARS.databaseUrl, 'expected sqlite:/path, sqlite::memory: or postgres://…');
  }
  const logLevel = String(pick('logLevel') ?? 'info');
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(ENV_VARS.logLevel, `expected one of ${LOG_LEVELS.join(', ')}`);
  const displayHost = host.includes(':') ? `[${host}]` : host;
  const cfg: Config = {
    home,
    server: {
      host,
      port,
      bodyLimit: int(ENV_VARS.bodyLimit, pick('bodyLimit'), 1024 * 1024, 1024, 64 * 1024 * 1024),
      publicUrl: String(pick('publicUrl') ?? `http://${displayHost === '0.0.0.0' ? '127.0.0.1' : displayHost}:${port}`),
    },
    store: { url },
    jobs: {
      leaseMs: int(ENV_VARS.leaseMs, pick('leaseMs'), 30_000, 1000, 3_600_000),
      sweepIntervalMs: int(ENV_VARS.sweepIntervalMs, pick('sweepIntervalMs'), 5000, 100, 600_000),
    },
    logLevel,
  };
  return deepFreeze(cfg);
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
