import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';

import { Client } from 'minio';

import { InputError, UnavailableError } from '../domain/errors';
import { describeObjectStoreContract } from './object-store-contract';
import { S3ObjectStore, type S3ObjectStoreOptions } from './s3-object-store';
import { startTestS3Server, type TestS3Server } from './s3rver-test-server';

// Against the S3 server named by S3_ENDPOINT (infra/s3/start.sh, or MinIO), else an s3rver started here.
type Target = Omit<S3ObjectStoreOptions, 'bucket'>;
let target: Target;
let ownServer: TestS3Server | undefined;

const rawClient = (t: Target): Client => {
  const url = new URL(t.endpoint);
  return new Client({
    endPoint: url.hostname,
    port: Number(url.port),
    useSSL: url.protocol === 'https:',
    accessKey: t.accessKey,
    secretKey: t.secretKey,
    region: t.region,
    pathStyle: true,
  });
};
const freshBucket = (): string => `test-${randomBytes(6).toString('hex')}`;

async function removeBucket(client: Client, bucket: string): Promise<void> {
  const names: string[] = [];
  for await (const item of client.listObjectsV2(bucket, '', true))
    names.push((item as { name: string }).name);
  // One by one: s3rver answers the multi-object delete with HTTP 500.
  for (const name of names) await client.removeObject(bucket, name);
  await client.removeBucket(bucket);
}

beforeAll(async () => {
  const endpoint = process.env.S3_ENDPOINT;
  if (endpoint !== undefined && endpoint !== '') {
    target = {
      endpoint,
      accessKey: process.env.S3_ACCESS_KEY ?? 'S3RVER',
      secretKey: process.env.S3_SECRET_KEY ?? 'S3RVER',
      region: process.env.S3_REGION ?? 'us-east-1',
    };
  } else {
    ownServer = await startTestS3Server();
    target = ownServer;
  }
});
afterAll(async () => {
  await ownServer?.dispose();
});

describeObjectStoreContract('S3ObjectStore', async () => {
  const bucket = freshBucket();
  const store = await S3ObjectStore.connect({ ...target, bucket });
  const client = rawClient(target);
  return {
    store,
    // Another writer replaces the object behind the store's back (no sha256 metadata, different bytes).
    corrupt: async (key, bytes) => {
      await client.putObject(bucket, key, bytes, bytes.length, { 'Content-Type': 'image/png' });
    },
    dispose: async () => {
      await store.close();
      await removeBucket(client, bucket);
    },
  };
});

describe('S3ObjectStore against a real S3 server', () => {
  it('creates its bucket at start and records content type and SHA-256 as object metadata', async () => {
    const bucket = freshBucket();
    const client = rawClient(target);
    const store = await S3ObjectStore.connect({ ...target, bucket });
    try {
      expect(await client.bucketExists(bucket)).toBe(true);
      const again = await S3ObjectStore.connect({ ...target, bucket });
      await again.close();

      const { key, sha256 } = await store.put(randomBytes(3000), 'image/jpeg');

      const stat = await client.statObject(bucket, key);
      expect(stat.size).toBe(3000);
      expect(stat.metaData).toMatchObject({ 'content-type': 'image/jpeg', sha256 });
    } finally {
      await store.close();
      await removeBucket(client, bucket);
    }
  });

  it('rejects an endpoint that is not an http(s) URL', async () => {
    for (const endpoint of ['127.0.0.1:9000', 'ftp://127.0.0.1', 'http://127.0.0.1:9000/path']) {
      await expect(S3ObjectStore.connect({ ...target, endpoint, bucket: freshBucket() })).rejects.toThrow(
        InputError,
      );
    }
  });
});

describe('S3ObjectStore when the store is down', () => {
  it('fails with UnavailableError while the server is stopped and works again after it restarts', async () => {
    const server = await startTestS3Server();
    const options = {
      endpoint: server.endpoint,
      accessKey: server.accessKey,
      secretKey: server.secretKey,
      region: server.region,
      bucket: 'outage-test',
      socketTimeoutMs: 1000,
      operationTimeoutMs: 3000,
    };
    const store = await S3ObjectStore.connect(options);
    let restarted: TestS3Server | undefined;
    try {
      const stored = await store.put(randomBytes(1000), 'image/png');

      await server.stop();

      await expect(store.put(randomBytes(1000), 'image/png')).rejects.toThrow(UnavailableError);
      await expect(store.get(stored.key)).rejects.toThrow(UnavailableError);
      await expect(store.head(stored.key)).rejects.toThrow(UnavailableError);
      await expect(store.list('')).rejects.toThrow(UnavailableError);
      expect(await store.ready()).toBe(false);
      await expect(S3ObjectStore.connect(options)).rejects.toThrow(UnavailableError);

      restarted = await startTestS3Server({ port: server.port, directory: server.directory });

      expect(await store.ready()).toBe(true);
      expect((await store.get(stored.key)).length).toBe(1000);
      expect((await store.put(randomBytes(1000), 'image/png')).created).toBe(true);
    } finally {
      await store.close();
      await restarted?.stop();
      await server.dispose();
    }
  }, 20_000);

  it('gives up with UnavailableError when the server accepts connections and never answers', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const started = Date.now();
      await expect(
        S3ObjectStore.connect({
          ...target,
          endpoint: `http://127.0.0.1:${port}`,
          bucket: 'never-answered',
          socketTimeoutMs: 500,
          operationTimeoutMs: 10_000,
        }),
      ).rejects.toThrow(UnavailableError);
      // The socket timeout, not the 10 s operation limit, ended it.
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 20_000);

  it('reports refused credentials as UnavailableError', async () => {
    await expect(
      S3ObjectStore.connect({ ...target, accessKey: 'WRONG', secretKey: 'WRONG', bucket: freshBucket() }),
    ).rejects.toThrow(UnavailableError);
  });
});
