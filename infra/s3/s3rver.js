'use strict';
// Runs s3rver (a real HTTP implementation of the S3 API, from npm) for tests and CI. Started by start.sh;
// see there for the settings. It accepts the credentials S3RVER / S3RVER (s3rver's built-in account) and
// signature V4 requests from the minio client, path-style. Test infrastructure only: no TLS, data on local disk.
const fs = require('node:fs');
const S3rver = require('s3rver');

const address = process.env.S3_TEST_ADDRESS || '127.0.0.1';
const port = Number(process.env.S3_TEST_PORT || 19000);
const directory = process.env.S3_TEST_DATA_DIR;
const bucket = process.env.S3_TEST_BUCKET || 'inspection-images';

if (!directory) {
  console.error('s3rver: S3_TEST_DATA_DIR is required');
  process.exit(2);
}
fs.mkdirSync(directory, { recursive: true });

const server = new S3rver({
  address,
  port,
  directory,
  silent: true,
  // Create the bucket the gateway uses before accepting requests (the gateway also creates it when missing).
  configureBuckets: [{ name: bucket, configs: [] }],
});

server.run().then(
  (listening) => {
    console.log(
      `s3rver ${require('s3rver/package.json').version} listening on ${listening.address}:${listening.port}`,
    );
    console.log(`s3rver data in ${directory}, bucket ${bucket}`);
  },
  (err) => {
    console.error(`s3rver failed to start: ${err.message}`);
    process.exit(1);
  },
);

function stop(signal) {
  console.log(`s3rver stopping on ${signal}`);
  const http = server.httpServer;
  if (!http) process.exit(0);
  http.close(() => process.exit(0));
  // Keep-alive connections from clients would hold close() open; end them.
  http.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
