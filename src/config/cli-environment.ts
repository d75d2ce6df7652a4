/**
 * The environment variables of `cbs` client commands (everything but `serve` and
 * `agent`, whose settings are the Config). Read here and nowhere else; a command's
 * flags win over them. Secrets come from the environment or from files, never from a
 * flag value (which `ps` and shell history would show).
 */
export interface CliEnvironment {
  /** Connection of API commands: CBS_SERVER, CBS_TOKEN, CBS_ACCOUNT, CBS_AGENT_ID, CBS_CREDENTIALS (a credentials.json). */
  readonly server?: string;
  readonly token?: string;
  readonly account?: string;
  readonly agentId?: string;
  readonly credentials?: string;
  /** CBS_DEBUG: print the stack of an error. */
  readonly debug: boolean;
  /** `cbs repo`: CBS_REPO (location), CBS_REPO_PASSWORD_FILE / CBS_REPO_PASSWORD, CBS_REPO_KEY_FILE. */
  readonly repo?: string;
  readonly repoPasswordFile?: string;
  readonly repoPassword?: string;
  readonly repoKeyFile?: string;
  /** S3 credentials for `cbs repo` and `cbs backup activate`: CBS_S3_ACCESS_KEY_ID, CBS_S3_SECRET_ACCESS_KEY, CBS_S3_REGION. */
  readonly s3AccessKeyId?: string;
  readonly s3SecretAccessKey?: string;
  readonly s3Region?: string;
}

/** Variables by field. CBS_S3_SECRET is the deprecated name of CBS_S3_SECRET_ACCESS_KEY (read when the new one is unset). */
export const CLI_ENV_VARS = {
  server: 'CBS_SERVER',
  token: 'CBS_TOKEN',
  account: 'CBS_ACCOUNT',
  agentId: 'CBS_AGENT_ID',
  credentials: 'CBS_CREDENTIALS',
  debug: 'CBS_DEBUG',
  repo: 'CBS_REPO',
  repoPasswordFile: 'CBS_REPO_PASSWORD_FILE',
  repoPassword: 'CBS_REPO_PASSWORD',
  repoKeyFile: 'CBS_REPO_KEY_FILE',
  s3AccessKeyId: 'CBS_S3_ACCESS_KEY_ID',
  s3SecretAccessKey: 'CBS_S3_SECRET_ACCESS_KEY',
  s3Region: 'CBS_S3_REGION',
} as const;
export const DEPRECATED_S3_SECRET_VAR = 'CBS_S3_SECRET';

export function cliEnvironment(env: NodeJS.ProcessEnv = process.env): CliEnvironment {
  const get = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v === '' ? undefined : v;
  };
  const out: Record<string, string | boolean> = { debug: get(CLI_ENV_VARS.debug) !== undefined };
  for (const [field, name] of Object.entries(CLI_ENV_VARS)) {
    if (field === 'debug') continue;
    const v = get(name);
    if (v !== undefined) out[field] = v;
  }
  const legacy = get(DEPRECATED_S3_SECRET_VAR);
  if (out['s3SecretAccessKey'] === undefined && legacy !== undefined) out['s3SecretAccessKey'] = legacy;
  return Object.freeze(out) as unknown as CliEnvironment;
}

/**
 * The AWS SDK warns on stderr, over several lines, that its releases after January 2027
 * will need a newer Node.js; that is news for whoever pins the SDK, not for someone
 * restoring files, and it would break the CLI's one-line error contract.
 */
export function quietAwsSdkNodeWarning(env: NodeJS.ProcessEnv = process.env): void {
  env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
}
