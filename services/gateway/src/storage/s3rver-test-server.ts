import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import S3rver from 's3rver';

/** A real S3 server (s3rver) in this process, for integration tests. Test support only. */
export interface TestS3Server {
  /** `http://127.0.0.1:<port>`, for `S3ObjectStoreOptions.endpoint`. */
  readonly endpoint: string;
  readonly port: number;
  /** Where the objects live on disk. */
  readonly directory: string;
  /** s3rver's built-in key pair; it accepts no other. */
  readonly accessKey: 'S3RVER';
  readonly secretKey: 'S3RVER';
  readonly region: 'us-east-1';
  /** Stops listening and drops open (keep-alive) connections; the data stays until `dispose`. */
  stop(): Promise<void>;
  /** Stops (if running) and removes the data directory when this server created it. */
  dispose(): Promise<void>;
}

/**
 * Starts s3rver on 127.0.0.1 (`port` 0 picks a free one) with data in `directory` (a new temporary directory
 * when omitted). Starting again with the same port and directory brings back the same objects.
 */
export async function startTestS3Server(
  options: { port?: number; directory?: string } = {},
): Promise<TestS3Server> {
  const ownsDirectory = options.directory === undefined;
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 's3rver-')));
  const server = new S3rver({ address: '127.0.0.1', port: options.port ?? 0, silent: true, directory });
  const { port } = await server.run();
  let running = true;

  const stop = async (): Promise<void> => {
    if (!running) return;
    running = false;
    const closed = server.close();
    server.httpServer?.closeAllConnections();
    await closed;
  };

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    directory,
    accessKey: 'S3RVER',
    secretKey: 'S3RVER',
    region: 'us-east-1',
    stop,
    dispose: async () => {
      await stop();
      if (ownsDirectory) await rm(directory, { recursive: true, force: true });
    },
  };
}
