import { isAbsolute, join } from 'node:path';
import { CbsError } from '../errors/index.js';

/** The providers a backup can be activated on: LOCAL (a directory, OpenCBS) or an S3 protocol store. */
export type Provider = 'LOCAL' | 'AWS' | 'SGWS' | 'ONTAP_S3';

/** The provider part of an activation, named as the API names it. */
export interface ProviderRequest {
  provider: Provider;
  bucket: string;
  region?: string;
  local?: { path: string };
  aws?: { 'access-key'?: string; 'secret-password'?: string };
  sgws?: { 'storage-server': string; 'access-key': string; 'secret-password': string };
  'ontap-s3'?: { 'storage-server': string; 'access-key': string; 'secret-password': string };
}

/** Where a repository lives: the location its agent opens, non-secret options, and the secret credentials. */
export interface ProviderLocation {
  /** `local:/path`, `s3:https://host/bucket` or `s3:bucket` (AWS) */
  location: string;
  options: Record<string, unknown>;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * Where the repository lives for each provider, what of it is secret, what is not.
 * LOCAL: `<local.path>` or `<bucketsRoot>/<bucket>`; SGWS and ONTAP_S3: the storage
 * server (https:// when no scheme), path style, region or us-east-1; AWS: the bucket in
 * `region` (required).
 */
export function providerLocation(r: ProviderRequest, bucketsRoot: string): ProviderLocation {
  const need = <T>(v: T | undefined, field: string): T => {
    if (v === undefined) throw new CbsError('VALIDATION_FAILED', `body field "${field}" is required when provider is ${r.provider}`, { details: { field } });
    return v;
  };
  const s3Server = (s: { 'storage-server': string; 'access-key': string; 'secret-password': string }, field: string): ProviderLocation => ({
    location: `s3:${serverUrl(s['storage-server'], `${field}.storage-server`)}/${r.bucket}`,
    options: { region: r.region ?? 'us-east-1' },
    credentials: { accessKeyId: s['access-key'], secretAccessKey: s['secret-password'] },
  });
  switch (r.provider) {
    case 'LOCAL': {
      const root = r.local?.path ?? join(bucketsRoot, r.bucket);
      if (!isAbsolute(root)) throw new CbsError('VALIDATION_FAILED', 'body field "local.path" must be absolute', { details: { field: 'local.path' } });
      return { location: `local:${root}`, options: {} };
    }
    case 'SGWS':
      return s3Server(need(r.sgws, 'sgws'), 'sgws');
    case 'ONTAP_S3':
      return s3Server(need(r['ontap-s3'], 'ontap-s3'), 'ontap-s3');
    case 'AWS': {
      const a = need(r.aws, 'aws');
      return {
        location: `s3:${r.bucket}`, options: { region: need(r.region, 'region') },
        credentials: { accessKeyId: need(a['access-key'], 'aws.access-key'), secretAccessKey: need(a['secret-password'], 'aws.secret-password') },
      };
    }
    default: {
      const never: never = r.provider;
      throw new CbsError('VALIDATION_FAILED', `body field "provider" must be LOCAL, AWS, SGWS or ONTAP_S3, not ${String(never)}`, { details: { field: 'provider' } });
    }
  }
}

function serverUrl(s: string, field: string): string {
  const withScheme = /^https?:\/\//i.test(s) ? s : `https://${s}`;
  try {
    const u = new URL(withScheme);
    return `${u.protocol}//${u.host}`;
  } catch (e) {
    throw new CbsError('VALIDATION_FAILED', `body field "${field}" is not a host or URL`, { details: { field }, cause: e });
  }
}
