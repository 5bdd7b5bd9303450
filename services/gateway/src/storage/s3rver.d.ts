// Types for the parts of s3rver (an S3 server for tests, a root devDependency; it ships no types) that the test
// support in this folder uses. See node_modules/s3rver/README.md.
declare module 's3rver' {
  import type { Server } from 'node:http';
  import type { AddressInfo } from 'node:net';

  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    resetOnClose?: boolean;
    vhostBuckets?: boolean;
    configureBuckets?: { name: string; configs?: (string | Buffer)[] }[];
  }

  class S3rver {
    constructor(options?: S3rverOptions);
    /** Creates the configured buckets, then listens; resolves with the bound address. */
    run(): Promise<AddressInfo>;
    /** Stops listening; resolves when every connection has ended. */
    close(): Promise<void>;
    readonly httpServer: Server | undefined;
  }

  export = S3rver;
}
