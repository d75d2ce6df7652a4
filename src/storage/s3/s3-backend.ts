import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand,
  DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command,
  PutObjectCommand, S3Client, UploadPartCommand, type BucketLocationConstraint, type CompletedPart, type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { forEachLimit } from '../../concurrency/index.js';
import { assertValidKey, StorageError, type Backend, type ByteRange, type ObjectInfo } from '../backend.js';
import { assertValidPrefix } from '../prefix.js';
import { checkRange } from '../range.js';
import { RequestLimiter } from './request-limiter.js';
import { mapS3Error, s3ErrorName, s3Status } from './s3-errors.js';
import type { S3BackendOptions } from './s3-options.js';

const MiB = 1024 * 1024;
const KEY_RE = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/**
 * Objects in an S3 bucket under an optional key prefix. PutObject is atomic on S3, and
 * so is a multipart upload (the object appears only at CompleteMultipartUpload), so a
 * failed put never leaves a partial object. Every put carries Content-MD5, which the
 * store checks before accepting the body.
 */
export class S3Backend implements Backend {
  readonly location: string;
  readonly bucket: string;
  /** '' or ending in '/'. */
  readonly prefix: string;
  private readonly client: S3Client;
  private readonly endpointName: string;
  private readonly secret: string | undefined;
  private readonly multipartThreshold: number;
  private readonly partSize: number;
  private readonly partConcurrency: number;
  private readonly region: string;
  private readonly limiter: RequestLimiter;

  constructor(opts: S3BackendOptions) {
    const prefix = (opts.prefix ?? '').replace(/^\/+|\/+$/g, '');
    if (prefix !== '') assertValidKey(prefix);
    this.bucket = opts.bucket;
    this.prefix = prefix === '' ? '' : `${prefix}/`;
    this.region = opts.region ?? 'us-east-1';
    this.endpointName = opts.endpoint ?? `AWS S3 (${this.region})`;
    this.location = `s3:${opts.endpoint === undefined ? '' : `${opts.endpoint.replace(/\/+$/, '')}/`}${this.bucket}${prefix === '' ? '' : `/${prefix}`}`;
    this.secret = opts.secretAccessKey;
    this.multipartThreshold = opts.multipartThresholdBytes ?? 32 * MiB;
    this.partSize = Math.max(5 * MiB, opts.partSizeBytes ?? 16 * MiB);
    this.partConcurrency = Math.max(1, opts.partConcurrency ?? 4);
    const maxRequests = Math.max(1, opts.maxConcurrentRequests ?? 32);
    this.limiter = new RequestLimiter(maxRequests);

    const config: S3ClientConfig = {
      region: this.region,
      forcePathStyle: opts.forcePathStyle ?? opts.endpoint !== undefined,
      maxAttempts: opts.sdkMaxAttempts ?? 1,
      // Without throwOnRequestTimeout the SDK only logs a warning and waits forever.
      requestHandler: {
        requestTimeout: opts.requestTimeoutMs ?? 60_000, connectionTimeout: opts.connectTimeoutMs ?? 10_000, throwOnRequestTimeout: true,
        httpAgent: { keepAlive: true, maxSockets: maxRequests }, httpsAgent: { keepAlive: true, maxSockets: maxRequests },
      },
      // Content-MD5 is what every S3-compatible store verifies; the newer CRC trailers
      // are not understood by many of them.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    };
    if (opts.endpoint !== undefined) config.endpoint = opts.endpoint;
    if (opts.profile !== undefined) config.profile = opts.profile;
    if (opts.accessKeyId !== undefined || opts.secretAccessKey !== undefined) {
      if (opts.accessKeyId === undefined || opts.secretAccessKey === undefined) {
        throw new StorageError('permanent', 'S3 credentials need both an access key id and a secret key');
      }
      config.credentials = {
        accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey,
        ...(opts.sessionToken === undefined ? {} : { sessionToken: opts.sessionToken }),
      };
    }
    this.client = new S3Client(config);
  }

  /** Creates the bucket unless it exists already (and is ours). */
  async ensureBucket(): Promise<void> {
    try {
      await this.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (e) {
      if (s3Status(e) !== 404 && s3ErrorName(e) !== 'NotFound' && s3ErrorName(e) !== 'NoSuchBucket') {
        throw this.fail(e, `check bucket ${this.bucket}`, undefined);
      }
    }
    try {
      await this.send(new CreateBucketCommand({
        Bucket: this.bucket,
        ...(this.region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: this.region as BucketLocationConstraint } }),
      }));
    } catch (e) {
      if (s3ErrorName(e) === 'BucketAlreadyOwnedByYou') return;
      throw this.fail(e, `create bucket ${this.bucket}`, undefined);
    }
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    assertValidKey(key);
    if (data.length >= this.multipartThreshold) return this.putMultipart(key, data);
    try {
      await this.send(new PutObjectCommand({
        Bucket: this.bucket, Key: this.prefix + key, Body: data, ContentLength: data.length, ContentMD5: md5(data),
      }));
    } catch (e) {
      throw this.fail(e, `put ${key}`, key);
    }
  }

  async get(key: string, range?: ByteRange): Promise<Buffer> {
    assertValidKey(key);
    if (range !== undefined) {
      checkRange(range, Number.MAX_SAFE_INTEGER, key);
      if (range.length === 0) {
        // S3 has no empty range; check the bounds against the size instead.
        checkRange(range, (await this.stat(key)).size, key);
        return Buffer.alloc(0);
      }
    }
    try {
      // The body is read inside the limiter: its socket is busy until then.
      const { res, bytes } = await this.limiter.run(async () => {
        const res = await this.client.send(new GetObjectCommand({
          Bucket: this.bucket, Key: this.prefix + key,
          ...(range === undefined ? {} : { Range: `bytes=${range.offset}-${range.offset + range.length - 1}` }),
        }));
        if (res.Body === undefined) throw new StorageError('transient', `get ${key}: response has no body`, { key });
        return { res, bytes: await res.Body.transformToByteArray() };
      });
      const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (range !== undefined) {
        // S3 answers a range running past the end with the bytes it has.
        const total = /\/(\d+)$/.exec(res.ContentRange ?? '')?.[1];
        if (total !== undefined) checkRange(range, Number(total), key);
        if (data.length !== range.length) {
          if (res.ContentLength !== undefined && data.length !== res.ContentLength) throw short(key, data.length, res.ContentLength);
          checkRange(range, range.offset + data.length, key);
        }
      } else if (res.ContentLength !== undefined && data.length !== res.ContentLength) {
        throw short(key, data.length, res.ContentLength);
      }
      return data;
    } catch (e) {
      throw this.fail(e, `get ${key}`, key);
    }
  }

  async stat(key: string): Promise<ObjectInfo> {
    assertValidKey(key);
    try {
      const res = await this.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
      return { key, size: res.ContentLength ?? 0 };
    } catch (e) {
      throw this.fail(e, `stat ${key}`, key);
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    assertValidPrefix(prefix);
    let token: string | undefined;
    do {
      let res;
      try {
        res = await this.send(new ListObjectsV2Command({
          Bucket: this.bucket, Prefix: this.prefix + prefix, ...(token === undefined ? {} : { ContinuationToken: token }),
        }));
      } catch (e) {
        throw this.fail(e, `list ${prefix || '/'}`, undefined);
      }
      for (const obj of res.Contents ?? []) {
        const key = obj.Key?.slice(this.prefix.length);
        // Objects put there by other tools (folder markers, odd names) are not ours.
        if (key === undefined || !KEY_RE.test(key) || key.split('/').some((s) => s === '.' || s === '..')) continue;
        yield { key, size: obj.Size ?? 0 };
      }
      token = res.IsTruncated === true ? res.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    try {
      await this.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
    } catch (e) {
      // Some stores answer a delete of an absent key with 404 rather than 204.
      if (s3ErrorName(e) === 'NoSuchKey' || (s3Status(e) === 404 && s3ErrorName(e) !== 'NoSuchBucket')) return;
      throw this.fail(e, `delete ${key}`, key);
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  private async putMultipart(key: string, data: Uint8Array): Promise<void> {
    const Key = this.prefix + key;
    let uploadId: string | undefined;
    try {
      const created = await this.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key }));
      uploadId = created.UploadId;
      if (uploadId === undefined) throw new StorageError('transient', `put ${key}: store returned no upload id`, { key });
      const count = Math.ceil(data.length / this.partSize);
      const parts: CompletedPart[] = new Array<CompletedPart>(count);
      // A failed part cancels the parts in flight: the upload is aborted anyway.
      await forEachLimit(parts.keys(), this.partConcurrency, async (i, signal) => {
        const body = data.subarray(i * this.partSize, Math.min(data.length, (i + 1) * this.partSize));
        const res = await this.limiter.run(() => this.client.send(new UploadPartCommand({
          Bucket: this.bucket, Key, UploadId: uploadId, PartNumber: i + 1,
          Body: body, ContentLength: body.length, ContentMD5: md5(body),
        }), { abortSignal: signal }));
        parts[i] = { PartNumber: i + 1, ETag: res.ETag };
      });
      await this.send(new CompleteMultipartUploadCommand({
        Bucket: this.bucket, Key, UploadId: uploadId, MultipartUpload: { Parts: parts },
      }));
    } catch (e) {
      const err = this.fail(e, `put ${key} (multipart)`, key);
      if (uploadId !== undefined) {
        // Unfinished uploads cost storage until aborted; report when that fails too.
        await this.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key, UploadId: uploadId }))
          .catch((ae: unknown) => { err.message += `; aborting upload ${uploadId} also failed: ${this.fail(ae, 'abort', key).message}`; });
      }
      throw err;
    }
  }

  private send: S3Client['send'] = ((cmd: Parameters<S3Client['send']>[0]) =>
    this.limiter.run(() => this.client.send(cmd))) as S3Client['send'];

  private fail(e: unknown, what: string, key: string | undefined): StorageError {
    return mapS3Error(e, `${what} in bucket ${this.bucket}`, key, this.endpointName, this.secret);
  }
}

function md5(data: Uint8Array): string {
  return createHash('md5').update(data).digest('base64');
}

function short(key: string, got: number, want: number): StorageError {
  return new StorageError('transient', `get ${key}: body ended after ${got} of ${want} bytes`, { key });
}
