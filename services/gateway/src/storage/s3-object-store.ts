import type http from 'node:http';

import { Client, type BucketItemStat } from 'minio';

import { InputError, NotFoundError } from '../domain/errors';
import {
  contentKey,
  isContentKey,
  parseContentKey,
  parseContentType,
  parseKeyPrefix,
  parseListLimit,
  sha256Hex,
} from './content-address';
import {
  UNKNOWN_CONTENT_TYPE,
  verifyContent,
  type ObjectHead,
  type ObjectStore,
  type StoredObject,
} from './object-store';
import { isBucketAlreadyThere, isMissingObject, s3Error, withTimeout } from './s3-errors';
import { SingleFlight } from './single-flight';
import { socketTimeoutAgent } from './socket-timeout-agent';

/** Where and how to reach the bucket; the composition root fills it from `S3_*` variables. */
export interface S3ObjectStoreOptions {
  /** `http://host:port` or `https://host[:port]` (`S3_ENDPOINT`); path-style requests are used. */
  readonly endpoint: string;
  /** `S3_ACCESS_KEY`. */
  readonly accessKey: string;
  /** `S3_SECRET_KEY`. */
  readonly secretKey: string;
  /** `S3_BUCKET`; created at start-up when missing. */
  readonly bucket: string;
  /** `S3_REGION`, for example `us-east-1` (MinIO's default). */
  readonly region: string;
  /** A connection silent for this long (connecting, uploading or downloading) is dropped. Default 5 000 ms. */
  readonly socketTimeoutMs?: number;
  /** Upper bound on one store operation. Default 30 000 ms. */
  readonly operationTimeoutMs?: number;
  /** Upper bound on the `ready()` probe. Default 2 000 ms. */
  readonly readyTimeoutMs?: number;
}

/** Object metadata key (sent as `x-amz-meta-sha256`) holding the SHA-256 the store computed at upload. */
const SHA256_META = 'sha256';

/**
 * The object store on S3 (MinIO in production, s3rver in CI), through the `minio` client; the only module that
 * imports it. Objects are named by their content address (`content-address.ts`) and carry their content type and
 * SHA-256 as metadata. `get` re-hashes what came back and refuses corrupted objects.
 *
 * Every call has a socket idle timeout and an overall timeout; an unreachable, stalled or overloaded endpoint,
 * or refused credentials, surface as `UnavailableError`. Retries: none here (the minio client itself retries a
 * request once on HTTP 5xx/429); callers decide whether to retry.
 */
export class S3ObjectStore implements ObjectStore {
  private readonly flights = new SingleFlight<StoredObject>();
  private readonly operationTimeoutMs: number;
  private readonly readyTimeoutMs: number;

  private constructor(
    private readonly client: Client,
    private readonly agent: http.Agent,
    private readonly bucket: string,
    private readonly region: string,
    options: S3ObjectStoreOptions,
  ) {
    this.operationTimeoutMs = options.operationTimeoutMs ?? 30_000;
    this.readyTimeoutMs = options.readyTimeoutMs ?? 2_000;
  }

  /** Connects, creating the bucket when missing. Throws `UnavailableError` when the endpoint cannot be used. */
  static async connect(options: S3ObjectStoreOptions): Promise<S3ObjectStore> {
    const endpoint = parseEndpoint(options.endpoint);
    const agent = socketTimeoutAgent(endpoint.protocol, options.socketTimeoutMs ?? 5_000);
    let client: Client;
    try {
      client = new Client({
        endPoint: endpoint.host,
        port: endpoint.port,
        useSSL: endpoint.protocol === 'https:',
        accessKey: options.accessKey,
        secretKey: options.secretKey,
        region: options.region,
        pathStyle: true,
        transportAgent: agent,
      });
    } catch (err) {
      agent.destroy();
      throw new InputError('Invalid S3 client settings.', {
        cause: err,
        details: { endpoint: options.endpoint },
      });
    }
    const store = new S3ObjectStore(client, agent, options.bucket, options.region, options);
    try {
      await store.ensureBucket();
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  }

  async put(bytes: Buffer, contentType: string): Promise<StoredObject> {
    const type = parseContentType(contentType);
    const sha256 = sha256Hex(bytes);
    const key = contentKey(sha256);
    return this.flights.run(
      key,
      () => this.write(key, sha256, bytes, type),
      (first) => ({ ...first, created: false }),
    );
  }

  async get(key: string): Promise<Buffer> {
    parseContentKey(key);
    const bytes = await this.call(
      'read an object',
      async () => {
        const stream = await this.client.getObject(this.bucket, key);
        const chunks = (await stream.toArray()) as Buffer[];
        return Buffer.concat(chunks);
      },
      () => {
        throw new NotFoundError('No stored object with this key.', { details: { key } });
      },
    );
    return verifyContent(key, bytes);
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    parseContentKey(key);
    const stat = await this.stat(key);
    if (stat === undefined) return undefined;
    const contentType: unknown = stat.metaData['content-type'];
    return {
      size: stat.size,
      contentType: typeof contentType === 'string' && contentType !== '' ? contentType : UNKNOWN_CONTENT_TYPE,
    };
  }

  async list(prefix: string, limit?: number): Promise<string[]> {
    const wanted = parseKeyPrefix(prefix);
    const max = parseListLimit(limit);
    return this.call('list objects', async () => {
      const keys: string[] = [];
      // Breaking out of the loop destroys the stream, so no further pages are fetched.
      for await (const item of this.client.listObjectsV2(this.bucket, wanted, true)) {
        const name: unknown = (item as { name?: unknown }).name;
        if (typeof name !== 'string' || !isContentKey(name)) continue;
        keys.push(name);
        if (keys.length >= max) break;
      }
      return keys;
    });
  }

  async ready(): Promise<boolean> {
    try {
      return await withTimeout(this.client.bucketExists(this.bucket), this.readyTimeoutMs, 'answer a probe');
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }

  private async ensureBucket(): Promise<void> {
    await this.call('create the bucket', async () => {
      if (await this.client.bucketExists(this.bucket)) return;
      try {
        await this.client.makeBucket(this.bucket, this.region);
      } catch (err) {
        if (!isBucketAlreadyThere(err)) throw err;
      }
    });
  }

  private async write(
    key: string,
    sha256: string,
    bytes: Buffer,
    contentType: string,
  ): Promise<StoredObject> {
    const stored = { key, sha256, size: bytes.length };
    const existing = await this.stat(key);
    const recordedSha: unknown = existing?.metaData[SHA256_META];
    // Same size and no conflicting recorded digest: these bytes are stored already (get verifies them fully).
    // Anything else under this key is a damaged copy and is overwritten with the right bytes.
    if (existing?.size === bytes.length && (recordedSha === undefined || recordedSha === sha256)) {
      return { ...stored, created: false };
    }
    await this.call('store an object', () =>
      this.client.putObject(this.bucket, key, bytes, bytes.length, {
        'Content-Type': contentType,
        [`X-Amz-Meta-${SHA256_META}`]: sha256,
      }),
    );
    return { ...stored, created: true };
  }

  private async stat(key: string): Promise<BucketItemStat | undefined> {
    return this.call(
      'read object metadata',
      () => this.client.statObject(this.bucket, key),
      () => undefined,
    );
  }

  /** Runs one client call under the overall timeout, mapping its errors (see `s3-errors.ts`). */
  private async call<T>(action: string, work: () => Promise<T>, ifMissing?: () => T): Promise<T> {
    try {
      return await withTimeout(work(), this.operationTimeoutMs, action);
    } catch (err) {
      if (ifMissing !== undefined && isMissingObject(err)) return ifMissing();
      throw s3Error(err, action);
    }
  }
}

function parseEndpoint(endpoint: string): { protocol: 'http:' | 'https:'; host: string; port: number } {
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.pathname !== '/') {
    throw new InputError('S3 endpoint must be a URL such as http://127.0.0.1:9000 (no path).', {
      details: { endpoint },
    });
  }
  const protocol = url.protocol === 'https:' ? 'https:' : 'http:';
  const port = url.port === '' ? (protocol === 'https:' ? 443 : 80) : Number(url.port);
  // URL keeps IPv6 literals in brackets; the client wants the bare address.
  return { protocol, host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}
