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

const path = require('node:path');
const {
  makeClient,
  printMachine,
  startModelServer,
  unary,
  waitReady,
  percentile,
  REPO_ROOT,
} = require('./bench-common');

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
  printMachine();

  const external = process.env.TRITON_GRPC;
  const server = external
    ? { address: external, stop: async () => undefined }
    : await startModelServer({ repository: MODEL_REPOSITORY, models: ['simple', 'image_u8'] });
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
    await waitReady(client, server.child, server.log);
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
