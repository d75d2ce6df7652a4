/** How to reach an S3-compatible store; the bucket and prefix come from the location. */
export interface S3Options {
  /**
   * Base URL of the service, e.g. `https://sgws.example.com:8082` (StorageGRID),
   * `https://ontap-s3.example.com` (ONTAP S3), `http://127.0.0.1:9000` (MinIO).
   * Absent means AWS S3 in `region`.
   */
  endpoint?: string;
  /** Signing region; S3-compatible stores mostly accept any. @default 'us-east-1' */
  region?: string;
  /**
   * Address buckets as `endpoint/bucket` instead of `bucket.endpoint`. On-premises
   * stores need it unless their DNS has a wildcard for bucket names.
   * @default true with an endpoint, false for AWS
   */
  forcePathStyle?: boolean;
  /** Static credentials; when absent the SDK default chain is used (environment, shared profile, instance role). */
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  /** Profile of ~/.aws/credentials and ~/.aws/config for the default chain. @default $AWS_PROFILE or 'default' */
  profile?: string;
  /** A request that makes no progress for this long fails as transient. @default 60000 */
  requestTimeoutMs?: number;
  /** Connecting to the endpoint fails as transient after this long. @default 10000 */
  connectTimeoutMs?: number;
  /** Objects of this size and larger are uploaded in parts. @default 33554432 (32 MiB) */
  multipartThresholdBytes?: number;
  /** Size of each part of a multipart upload (S3 needs at least 5 MiB but for the last). @default 16777216 (16 MiB) */
  partSizeBytes?: number;
  /** Parts of one object uploaded at once. @default 4 */
  partConcurrency?: number;
  /** Requests in flight per backend; more wait their turn before any timeout starts. @default 32 */
  maxConcurrentRequests?: number;
  /**
   * Attempts inside the SDK itself. Kept at 1 so that RetryBackend is the single
   * place deciding on retries, and a timeout means what it says. @default 1
   */
  sdkMaxAttempts?: number;
}

export interface S3BackendOptions extends S3Options {
  bucket: string;
  /** Key prefix inside the bucket under which all objects live ('' for the bucket root). @default '' */
  prefix?: string;
}
