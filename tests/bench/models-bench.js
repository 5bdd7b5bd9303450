#!/usr/bin/env node
// Items/s of each served model through model-server (or TRITON_URL), straight over KServe v2 gRPC, at batch 1
// and batch 32, from real dataset items preprocessed by the gateway's own preprocessing and model contract:
// visual/thermal images through its ImagePreprocessor, electrical rows of SECOM dev.csv (empty cell = NaN)
// through its ContractMeasurements. A model missing from the repository is skipped with a message.
//
//   npm run bench:models [-- --repository triton-model-repo \
//       --models visual_ensemble,thermal_ensemble,electrical_ensemble --seconds 5]
//
// Closed loop per row (concurrency 1 and 4 by default); results are printed, never asserted.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const common = require('./bench-common');

const { REPO_ROOT, fmt } = common;

const USAGE = 'usage: npm run bench:models [-- options]   (TRITON_URL=host:port uses a running server)';
const SPEC = {
  repository: { type: 'string', default: 'triton-model-repo', help: 'model repository' },
  models: {
    type: 'list',
    default: ['visual_ensemble', 'thermal_ensemble', 'electrical_ensemble'],
    help: 'models to measure',
  },
  seconds: { type: 'number', default: 5, help: 'measured seconds per row' },
  'warmup-ms': { type: 'int', default: 1000, help: 'unmeasured warm-up per row' },
  batches: { type: 'intlist', default: [1, 32], help: 'items per request' },
  concurrency: { type: 'intlist', default: [1, 4], help: 'requests in flight' },
  items: { type: 'int', default: 256, help: 'distinct dataset items per model (round-robin over classes)' },
};

/** Which of the requested models the repository (folder) has, and a message for each one it lacks. */
function presentModels(repository, models) {
  const present = [];
  for (const m of models) {
    const dir = path.join(repository, m);
    if (fs.existsSync(path.join(dir, 'config.pbtxt'))) present.push(m);
    else
      console.log(
        `skip ${m}: not in ${path.relative(REPO_ROOT, repository) || repository} (no ${m}/config.pbtxt)`,
      );
  }
  return present;
}

async function ensureLoaded(client, model, external) {
  const ready = await common
    .unary(client, 'ModelReady', { name: model, version: '' }, 10_000)
    .then((r) => r.ready)
    .catch(() => false);
  if (ready) return undefined;
  if (external) {
    try {
      await common.unary(client, 'RepositoryModelLoad', {
        repository_name: '',
        model_name: model,
        parameters: {},
      });
      return undefined;
    } catch (err) {
      return `could not be loaded: ${err.details ?? err.message}`;
    }
  }
  return 'is not ready in model-server (failed to load? see its log above)';
}

/** Per-item input tensors from real data, preprocessed as the gateway does. */
async function itemsFor(contract, limit) {
  if (contract.electrical) return common.electricalItems(contract, limit);
  const dir = common.IMAGE_DATASETS[contract.modality];
  if (!dir) throw new Error(`no dataset for modality ${contract.modality}`);
  const images = common.loadDatasetImages(dir, limit);
  const items = await common.preprocessImages(
    contract,
    images.map((i) => i.bytes),
  );
  return {
    items,
    note: `${items.length} images of ${path.relative(REPO_ROOT, dir)}, ${new Set(images.map((i) => i.cls)).size} classes`,
  };
}

async function main() {
  const opts = common.parseArgs(process.argv.slice(2), SPEC, USAGE);
  const repository = path.resolve(REPO_ROOT, opts.repository);
  common.printMachine();
  console.log(`conditions at start:\n${common.conditions()}\n`);

  const external = Boolean((process.env.TRITON_URL || process.env.TRITON_GRPC || '').trim());
  const models = external ? opts.models : presentModels(repository, opts.models);
  if (models.length === 0) {
    console.log('nothing to measure: none of the requested models is in the repository');
    return;
  }
  // Load the whole repository (ensembles need their component models); a model that fails to load is
  // reported and skipped rather than stopping the others.
  const server = await common.modelServerFor(repository, { models: ['*'], exitOnError: false });
  console.log(
    `model-server: ${server.external ? `TRITON_URL=${server.address}` : `started here at ${server.address}, repository ${path.relative(REPO_ROOT, repository)}`}`,
  );
  const client = common.makeClient(server.address);
  const rows = [];
  try {
    await common.waitReady(client, server.child, server.log);
    const meta = await common.unary(client, 'ServerMetadata', {});
    console.log(`server: ${meta.name} ${meta.version}`);
    console.log(
      `each row: ${opts['warmup-ms']} ms warm-up, then ${opts.seconds} s measured (closed loop), outputs as the gateway requests them\n`,
    );
    for (const model of models) {
      const problem = await ensureLoaded(client, model, server.external);
      if (problem) {
        console.log(`skip ${model}: ${problem}`);
        continue;
      }
      const contract = await common.loadContract(client, model);
      const outputs = common.requestedOutputs(contract);
      const { items, note } = await itemsFor(contract, opts.items);
      console.log(
        `${model} v${contract.version}: ${contract.input.name} ${contract.input.datatype} [${contract.input.dims.join(', ')}], ` +
          `max_batch_size ${contract.maxBatchSize}; ${note}`,
      );
      for (const batch of opts.batches) {
        const effective = contract.maxBatchSize > 0 ? Math.min(batch, contract.maxBatchSize) : 1;
        if (effective !== batch) {
          console.log(`  ${model}: batch ${batch} > max_batch_size ${contract.maxBatchSize}; skipped`);
          continue;
        }
        // Distinct batches cycled through, each built from consecutive items.
        const requests = [];
        for (let start = 0; requests.length < Math.max(1, Math.floor(items.length / batch)); start += batch) {
          const group = Array.from({ length: batch }, (_, k) => items[(start + k) % items.length]);
          requests.push(common.inferRequest(contract, group, outputs));
        }
        for (const concurrency of opts.concurrency) {
          const cpu0 = server.pid ? common.cpuOf(server.pid) : NaN;
          const r = await common.closedLoop({
            concurrency,
            warmupMs: opts['warmup-ms'],
            seconds: opts.seconds,
            send: (i) =>
              common.unary(client, 'ModelInfer', requests[i % requests.length], 60_000).then(() => 'ok'),
          });
          const cpuMs = server.pid ? common.cpuOf(server.pid) - cpu0 : NaN;
          const row = {
            model,
            batch,
            concurrency,
            ...r,
            itemsPerS: r.rps * batch,
            // CPU of model-server per item over the whole row (warm-up included; requests sent ≈ items/batch).
            cpuPerItem: cpuMs / Math.max(1, r.sent * batch),
          };
          rows.push(row);
          const errors = Object.entries(r.outcomes).filter(([k]) => k !== 'ok');
          console.log(
            `  ${model} b${batch} c${concurrency}: ${fmt(row.itemsPerS)} items/s, p50 ${fmt(r.p50, 2)} ms` +
              (errors.length
                ? `, errors ${JSON.stringify(Object.fromEntries(errors))} (${r.firstError})`
                : ''),
          );
        }
      }
    }
  } finally {
    client.close();
    await server.stop();
  }
  if (rows.length > 0) {
    console.log('');
    common.printTable(
      [
        'model',
        'batch',
        'conc',
        'requests/s',
        'items/s',
        'p50 ms',
        'p99 ms',
        'requests',
        'errors',
        'server CPU ms/item',
      ],
      rows.map((r) => [
        r.model,
        r.batch,
        r.concurrency,
        fmt(r.rps),
        fmt(r.itemsPerS),
        fmt(r.p50, 2),
        fmt(r.p99, 2),
        r.ok,
        r.answered - r.ok,
        fmt(r.cpuPerItem, 3),
      ]),
    );
  }
  console.log(`\nconditions at end:\n${common.conditions(12)}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
