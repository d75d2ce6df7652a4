import type { Command } from 'commander';

/**
 * How `cbs repo` reaches a repository without any server: a location, storage
 * options, and a secret (passphrase or key export). Secrets come from files or the
 * environment, never from a flag value, so they stay out of `ps` and shell history.
 */
export interface RepoFlags {
  repo?: string;
  passwordFile?: string;
  keyFile?: string;
  s3Region?: string;
  s3AccessKeyId?: string;
  s3SecretFile?: string;
  s3Profile?: string;
  s3PathStyle?: boolean;
  json?: boolean;
}

export function addRepoOptions(c: Command): Command {
  return c
    .option('--repo <location>', 'repository location: local:/path or s3:https://host:port/bucket[/prefix] (env CBS_REPO)')
    .option('--password-file <file>', 'file whose first line is the passphrase (env CBS_REPO_PASSWORD_FILE; or the passphrase itself in CBS_REPO_PASSWORD)')
    .option('--key-file <file>', 'a key export (`cbs repo key export`) to open the repository with instead of a passphrase (env CBS_REPO_KEY_FILE)')
    .option('--s3-region <region>', 'S3 signing region (env CBS_S3_REGION)')
    .option('--s3-access-key-id <id>', 'S3 access key id (env CBS_S3_ACCESS_KEY_ID; default: the AWS SDK chain)')
    .option('--s3-secret-file <file>', 'file holding the S3 secret access key (env CBS_S3_SECRET_ACCESS_KEY holds it directly)')
    .option('--s3-profile <name>', 'AWS shared-config profile for the default credential chain')
    .option('--no-s3-path-style', 'address buckets as bucket.host instead of host/bucket')
    .option('--json', 'print one JSON document');
}

