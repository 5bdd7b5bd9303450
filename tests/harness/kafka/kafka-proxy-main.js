#!/usr/bin/env node
'use strict';
// Runs the Kafka test proxy as a process (infra/kafka/start.sh starts it):
//   node tests/harness/kafka/kafka-proxy-main.js --upstream 127.0.0.1:41255,127.0.0.1:43911 --listen 127.0.0.1:19092
// Prints "kafka proxy listening on HOST:PORT" once ready; SIGTERM / SIGINT close it and exit 0.

const { startKafkaProxy, parseAddress } = require('./kafka-proxy');

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i];
    const value = argv[i + 1];
    if (!name?.startsWith('--') || value === undefined) throw new Error(`bad argument near '${name}'`);
    args[name.slice(2)] = value;
  }
  if (!args.upstream) throw new Error('--upstream host:port[,host:port…] is required');
  return args;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const listen = parseAddress(args.listen ?? '127.0.0.1:19092');
  const log = (message) => console.log(`${new Date().toISOString()} ${message}`);
  const proxy = await startKafkaProxy({
    upstream: args.upstream,
    host: listen.host,
    port: listen.port,
    advertisedHost: args['advertised-host'],
    log,
  });
  const stop = () => {
    log(`stopping (${JSON.stringify(proxy.stats)})`);
    proxy.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  console.error(`kafka proxy failed to start: ${err.message}`);
  process.exit(1);
});
