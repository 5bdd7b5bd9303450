#!/usr/bin/env node
// Throughput and latency of a Triton-protocol server, measured with a client built from Triton's own
// .proto files (../shared/reference/triton). Starts model-server (explicit mode, `simple` and `image_u8`
// loaded) on free ports unless TRITON_GRPC=host:port names a running server (Triton or model-server).
//
//   npm run bench:model-server [-- --seconds N]
//
// Closed loop: each of `concurrency` workers sends a request, waits for the answer, sends the next, for a
// fixed duration after a short warm-up. Results are printed, never asserted.
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const PROTO_DIR = path.resolve(REPO_ROOT, '../shared/reference/triton');
const SERVER_BIN = path.join(REPO_ROOT, 'services/model-server/bin/model-server.js');
const MODEL_REPOSITORY = path.join(REPO_ROOT, 'tests/fixtures/model_repository');
const WARMUP_MS = 500;

function parseArgs(argv) {
  let seconds = 5;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = arg.startsWith('--seconds=')
      ? arg.slice('--seconds='.length)
      : arg === '--seconds'
        ? argv[++i]
        : null;
    if (value !== null) {
      seconds = Number(value);
      if (!Number.isFinite(seconds) || seconds <= 0)
        throw new Error(`--seconds needs a positive number, got ${value}`);
    } else if (arg === '--help' || arg === '-h') {
      console.log(
        'usage: node tests/bench/model-server-bench.js [--seconds N]   (TRITON_GRPC=host:port optional)',
      );
      process.exit(0);
    } else {
      throw new Error(`unknown argument ${arg}`);
    }
  }
  return { seconds };
}

function makeClient(address) {
  const definition = protoLoader.loadSync('grpc_service.proto', {
    includeDirs: [PROTO_DIR],
    keepCase: true,
    longs: Number,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const Service = grpc.loadPackageDefinition(definition).inference.GRPCInferenceService;
  return new Service(address, grpc.credentials.createInsecure(), {
    'grpc.max_send_message_length': -1,
    'grpc.max_receive_message_length': -1,
  });
}

function unary(client, method, request, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    client[method](request, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) =>
      err ? reject(err) : resolve(res),
    );
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function startModelServer() {
  if (!fs.existsSync(path.join(REPO_ROOT, 'services/model-server/dist/cli.js'))) {
    throw new Error('model-server is not built: run `npm run build` first');
  }
  const grpcPort = await freePort();
  const metricsPort = await freePort();
  const args = [
    SERVER_BIN,
    '--model-repository',
    MODEL_REPOSITORY,
    '--model-control-mode',
    'explicit',
    '--load-model',
    'simple',
    '--load-model',
    'image_u8',
    '--grpc-port',
    String(grpcPort),
    '--metrics-port',
    String(metricsPort),
  ];
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk.toString()).slice(-8192);
  });
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  return { address: `127.0.0.1:${grpcPort}`, stop, child, stderr: () => stderr };
}

async function waitReady(client, child, stderr) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`model-server exited before it was ready:\n${stderr()}`);
    }
    try {
      const res = await unary(client, 'ServerReady', {}, 1_000);
      if (res.ready) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`server not ready within 60 s\n${stderr ? stderr() : ''}`);
}

function fp32Raw(count) {
  const buf = Buffer.alloc(count * 4);
  for (let i = 0; i < count; i++) buf.writeFloatLE(Math.random() * 200 - 100, i * 4);
  return buf;
}

function simpleRequest() {
  return {
    model_name: 'simple',
    inputs: [
      { name: 'INPUT0', datatype: 'FP32', shape: [1, 16] },
      { name: 'INPUT1', datatype: 'FP32', shape: [1, 16] },
    ],
    raw_input_contents: [fp32Raw(16), fp32Raw(16)],
  };
}

function imageRequest(batch) {
  const image = Buffer.alloc(batch * 64 * 64);
  for (let i = 0; i < image.length; i++) image[i] = (Math.random() * 256) | 0;
  return {
    model_name: 'image_u8',
    inputs: [{ name: 'IMAGE', datatype: 'UINT8', shape: [batch, 1, 64, 64] }],
    raw_input_contents: [image],
  };
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

async function runScenario(client, scenario, seconds) {
  const { request, concurrency } = scenario;
  const warmupEnd = Date.now() + WARMUP_MS;
  const end = warmupEnd + seconds * 1000;
  const latenciesMs = [];
  let errors = 0;
  let firstError = '';
  const worker = async () => {
    while (Date.now() < end) {
      const t0 = process.hrtime.bigint();
      try {
        await unary(client, 'ModelInfer', request);
        const t1 = process.hrtime.bigint();
        // Count answers that arrive inside the measured window [warmupEnd, end).
        const now = Date.now();
        if (now >= warmupEnd && now < end) latenciesMs.push(Number(t1 - t0) / 1e6);
      } catch (err) {
        errors++;
        if (firstError === '') firstError = `${err.code} ${err.details}`;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  latenciesMs.sort((a, b) => a - b);
  const rps = latenciesMs.length / seconds;
  return {
    rps,
    itemsPerS: rps * scenario.batch,
    p50: percentile(latenciesMs, 50),
    p99: percentile(latenciesMs, 99),
    count: latenciesMs.length,
    errors,
    firstError,
  };
}

function printTable(rows) {
  const header = [
    'model',
    'batch',
    'conc',
    'requests/s',
    'items/s',
    'p50 ms',
    'p99 ms',
    'requests',
    'errors',
  ];
  const cells = rows.map((r) => [
    r.model,
    String(r.batch),
    String(r.concurrency),
    r.rps.toFixed(1),
    r.itemsPerS.toFixed(1),
    r.p50.toFixed(2),
    r.p99.toFixed(2),
    String(r.count),
    String(r.errors),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) => c.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const c of cells) console.log(line(c));
}

async function main() {
  const { seconds } = parseArgs(process.argv.slice(2));
  const cpus = os.cpus();
  console.log(`machine: ${cpus.length} CPUs, ${cpus[0] ? cpus[0].model : 'unknown CPU'}`);
  console.log(
    `         ${os.platform()} ${os.release()} ${os.arch()}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM`,
  );
  console.log(`node:    ${process.version}`);

  const external = process.env.TRITON_GRPC;
  const server = external ? { address: external, stop: async () => undefined } : await startModelServer();
  console.log(
    `server:  ${external ? `TRITON_GRPC=${external}` : `model-server (started here) at ${server.address}`}`,
  );
  const client = makeClient(server.address);
  const stopAll = async () => {
    client.close();
    await server.stop();
  };
  process.once('SIGINT', () => {
    void stopAll().then(() => process.exit(130));
  });

  try {
    await waitReady(client, server.child, server.stderr);
    if (external) {
      // Explicit mode on an external server: make sure both models are loaded.
      for (const model of ['simple', 'image_u8']) {
        await unary(client, 'RepositoryModelLoad', {
          repository_name: '',
          model_name: model,
          parameters: {},
        });
      }
    }
    const meta = await unary(client, 'ServerMetadata', {});
    console.log(`         ${meta.name} ${meta.version}`);
    console.log(`each scenario: ${WARMUP_MS} ms warm-up, then ${seconds} s measured (closed loop)\n`);

    const scenarios = [];
    for (const concurrency of [1, 8, 32]) {
      scenarios.push({ model: 'simple', batch: 1, concurrency, request: simpleRequest() });
    }
    for (const batch of [1, 32]) {
      for (const concurrency of [1, 8, 32]) {
        scenarios.push({ model: 'image_u8', batch, concurrency, request: imageRequest(batch) });
      }
    }
    const rows = [];
    for (const scenario of scenarios) {
      const result = await runScenario(client, scenario, seconds);
      rows.push({ ...scenario, ...result });
      if (result.errors > 0) {
        console.error(
          `${scenario.model} b${scenario.batch} c${scenario.concurrency}: ${result.errors} errors, first: ${result.firstError}`,
        );
      }
    }
    printTable(rows);
  } finally {
    await stopAll();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
