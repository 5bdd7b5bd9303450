// Shared helpers of the benchmark scripts in tests/bench (plain CommonJS, no build step): argument parsing,
// a KServe v2 client built from Triton's own .proto files, starting model-server, closed-loop load, /proc
// sampling, the gateway's own model contract and preprocessing (from services/gateway/dist), and tables.
'use strict';

const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const PROTO_DIR = path.resolve(REPO_ROOT, '../shared/reference/triton');
const DATASETS_DIR = path.resolve(REPO_ROOT, '../shared/datasets');
const SERVER_BIN = path.join(REPO_ROOT, 'services/model-server/bin/model-server.js');
const GATEWAY_DIST = path.join(REPO_ROOT, 'services/gateway/dist');

/** Image folders (`images/<Class>/*.jpg`) of the datasets, by modality. */
const IMAGE_DATASETS = {
  visual: path.join(DATASETS_DIR, 'magnetic_tile/images'),
  thermal: path.join(DATASETS_DIR, 'infrared_solar_modules/images'),
};
const ELECTRICAL_CSV = path.join(DATASETS_DIR, 'secom/dev.csv');

// ---------------------------------------------------------------------------------------------------------
// Arguments

/**
 * Parses `--name value` / `--name=value` / `--flag` against a spec of
 * `{ name: { type: 'number'|'int'|'string'|'list'|'intlist'|'bool', default, help } }`.
 * Unknown arguments are an error; `--help` prints the usage and exits.
 */
function parseArgs(argv, spec, usage) {
  const out = {};
  for (const [name, s] of Object.entries(spec)) out[name] = s.default;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      console.log(usage);
      for (const [name, s] of Object.entries(spec)) {
        const def = s.default === undefined ? '' : ` (default: ${[].concat(s.default).join(',')})`;
        console.log(`  --${name}${s.type === 'bool' ? '' : ' V'}  ${s.help ?? ''}${def}`);
      }
      process.exit(0);
    }
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const s = spec[name];
    if (!s) throw new Error(`unknown argument --${name} (see --help)`);
    let raw;
    if (s.type === 'bool') {
      raw = eq < 0 ? 'true' : arg.slice(eq + 1);
    } else if (eq >= 0) {
      raw = arg.slice(eq + 1);
    } else {
      raw = argv[++i];
      if (raw === undefined) throw new Error(`--${name} needs a value`);
    }
    out[name] = convertArg(name, s.type, raw);
  }
  return out;
}

function convertArg(name, type, raw) {
  const positive = (v, int) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0 || (int && !Number.isInteger(n))) {
      throw new Error(`--${name} needs a positive ${int ? 'integer' : 'number'}, got '${v}'`);
    }
    return n;
  };
  switch (type) {
    case 'number':
      return positive(raw, false);
    case 'int':
      return positive(raw, true);
    case 'string':
      return raw;
    case 'bool':
      if (raw !== 'true' && raw !== 'false') throw new Error(`--${name} is true or false, got '${raw}'`);
      return raw === 'true';
    case 'list':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    case 'intlist':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .map((v) => positive(v, true));
    default:
      throw new Error(`bad spec type ${type}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Machine and conditions

function printMachine() {
  const cpus = os.cpus();
  console.log(`machine: ${cpus.length} CPUs, ${cpus[0] ? cpus[0].model : 'unknown CPU'}`);
  console.log(
    `         ${os.platform()} ${os.release()} ${os.arch()}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM`,
  );
  console.log(`node:    ${process.version}`);
}

/** `uptime` and the head of `top`, so the figures carry what else was running. */
function conditions(topLines = 15) {
  const run = (cmd, args) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8', timeout: 5_000 }).trimEnd();
    } catch (err) {
      return `(${cmd} failed: ${err.message})`;
    }
  };
  const top = run('top', ['-bn1', '-w', '200']).split('\n').slice(0, topLines).join('\n');
  return `${run('uptime', [])}\n${top}`;
}

// ---------------------------------------------------------------------------------------------------------
// KServe v2 gRPC client (Triton's reference protocol files) and model-server

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

function assertBuilt() {
  for (const file of [
    'services/model-server/dist/cli.js',
    'services/gateway/dist/index.js',
    'services/gateway/dist/routing/index.js',
  ]) {
    if (!fs.existsSync(path.join(REPO_ROOT, file))) {
      throw new Error(`${file} is missing: run \`npm run build\` first`);
    }
  }
}

/** Terminates a child with SIGTERM (SIGKILL after `graceMs`) and resolves with its exit code. */
function stopChild(child, graceMs = 15_000) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill('SIGTERM');
  });
}

/**
 * Starts model-server on loopback (explicit mode, a free gRPC port, no metrics) and resolves once its start-up
 * line names the port. `models`: names to load, or ['*'] for the whole repository.
 */
async function startModelServer({
  repository,
  models = ['*'],
  exitOnError = true,
  startTimeoutMs = 180_000,
}) {
  assertBuilt();
  const args = [SERVER_BIN, '--model-repository', repository, '--model-control-mode', 'explicit'];
  for (const m of models) args.push('--load-model', m);
  args.push('--grpc-address', '127.0.0.1', '--grpc-port', '0', '--allow-metrics', 'false');
  args.push('--exit-on-error', String(exitOnError));
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk) => {
    tail = (tail + chunk.toString()).slice(-8192);
  };
  child.stderr.on('data', keep);
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`model-server did not start in time:\n${tail}`)),
      startTimeoutMs,
    );
    let buffered = '';
    child.stdout.on('data', (chunk) => {
      keep(chunk);
      buffered += chunk.toString();
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const m = /"grpcPort":(\d+)/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`model-server exited with status ${code} before it was ready:\n${tail}`));
    });
  });
  // Keep draining its output so a full pipe never blocks it.
  child.stdout.on('data', () => undefined);
  return {
    address: `127.0.0.1:${port}`,
    child,
    pid: child.pid,
    log: () => tail,
    stop: () => stopChild(child),
  };
}

async function waitReady(client, child, log) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`server exited before it was ready:\n${log ? log() : ''}`);
    }
    try {
      const res = await unary(client, 'ServerReady', {}, 1_000);
      if (res.ready) return;
    } catch {
      // not up yet
    }
    await sleep(250);
  }
  throw new Error(`server not ready within 60 s\n${log ? log() : ''}`);
}

/** The model server to use: TRITON_URL (first endpoint) when set, else a model-server started here. */
async function modelServerFor(repository, opts = {}) {
  const external = (process.env.TRITON_URL || process.env.TRITON_GRPC || '').split(',')[0].trim();
  if (external) {
    return { address: external, external: true, pid: undefined, stop: async () => undefined };
  }
  const server = await startModelServer({ repository, ...opts });
  return { ...server, external: false };
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// ---------------------------------------------------------------------------------------------------------
// The gateway's own contract and preprocessing (services/gateway/dist)

function gatewayModule(rel) {
  assertBuilt();
  return require(path.join(GATEWAY_DIST, rel));
}

/** ModelConfig + ModelMetadata over gRPC → the gateway's ModelContract, as the gateway derives it. */
async function loadContract(client, model) {
  const { parseModelContract } = gatewayModule('routing/index.js');
  const [cfg, metadata] = await Promise.all([
    unary(client, 'ModelConfig', { name: model, version: '' }),
    unary(client, 'ModelMetadata', { name: model, version: '' }),
  ]);
  return parseModelContract(cfg.config, metadata, metadata.versions[0] ?? '');
}

/** Output names the gateway requests for this contract (so the direct path asks for the same). */
function requestedOutputs(contract) {
  return [...new Set(gatewayModule('postprocess/index.js').requestedOutputs(contract))];
}

/** The gateway's ContractImages over its ImagePreprocessor, with the gateway's default limits. */
function contractImages() {
  const { loadConfig } = gatewayModule('config.js');
  const { ImagePreprocessor } = gatewayModule('preprocess/index.js');
  const { ContractImages } = gatewayModule('inspections/contract-inputs.js');
  const cfg = loadConfig({});
  return new ContractImages(
    new ImagePreprocessor({ maxInputBytes: cfg.maxUploadBytes, maxInputPixels: cfg.maxInputPixels }),
  );
}

/**
 * Preprocesses images exactly as the gateway does (its ImagePreprocessor behind ContractImages, with the
 * gateway's default limits from its config) into per-item tensors.
 */
async function preprocessImages(contract, buffers) {
  const images = contractImages();
  const out = [];
  // Sequential keeps it gentle on a shared machine; it is done once, before anything is measured.
  for (const bytes of buffers) out.push((await images.preprocess(bytes, contract)).data);
  return out;
}

/**
 * Electrical items from the SECOM dev split: one row = one item, empty cells → NaN, packed by the gateway's
 * ContractMeasurements. Features are taken by name when the contract names them after CSV columns, else the
 * first `featureCount` columns.
 */
function electricalItems(contract, limit) {
  const { ContractMeasurements } = gatewayModule('inspections/contract-inputs.js');
  const lines = fs.readFileSync(ELECTRICAL_CSV, 'utf8').split(/\r?\n/).filter(Boolean);
  const header = lines[0].split(',');
  const { featureCount, featureNames } = contract.electrical;
  let columns;
  let note;
  if (featureNames && featureNames.every((n) => header.includes(n))) {
    columns = featureNames.map((n) => header.indexOf(n));
    note = `features by name (${featureCount} columns)`;
  } else {
    columns = Array.from({ length: featureCount }, (_, i) => i);
    note = `the model's feature names are not CSV columns: first ${featureCount} columns`;
  }
  const measurements = new ContractMeasurements();
  const items = [];
  for (const line of lines.slice(1, 1 + limit)) {
    const cells = line.split(',');
    const values = columns.map((c) => (cells[c] === undefined || cells[c] === '' ? NaN : Number(cells[c])));
    items.push(Buffer.from(measurements.toInput(values, contract)));
  }
  return { items, note: `${items.length} rows of ${path.relative(REPO_ROOT, ELECTRICAL_CSV)}, ${note}` };
}

/**
 * Up to `limit` images of a dataset folder (`<Class>/*.jpg`), taken round-robin over the classes (files in
 * name order) so that every class is represented. Returns [{ file, cls, bytes }].
 */
function loadDatasetImages(dir, limit) {
  if (!fs.existsSync(dir)) throw new Error(`dataset folder ${dir} does not exist`);
  const classes = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const lists = classes.map((cls) =>
    fs
      .readdirSync(path.join(dir, cls))
      .filter((f) => /\.(jpe?g|png|tiff?)$/i.test(f))
      .sort()
      .map((f) => ({ cls, file: path.join(dir, cls, f) })),
  );
  const picked = [];
  for (let i = 0; picked.length < limit && lists.some((l) => i < l.length); i++) {
    for (const l of lists) if (i < l.length && picked.length < limit) picked.push(l[i]);
  }
  return picked.map((p) => ({ ...p, bytes: fs.readFileSync(p.file) }));
}

/** A KServe v2 ModelInferRequest for `items` stacked along the batch dimension (when the model batches). */
function inferRequest(contract, items, outputs) {
  const batched = contract.maxBatchSize > 0;
  return {
    model_name: contract.model,
    model_version: '',
    id: '',
    inputs: [
      {
        name: contract.input.name,
        datatype: contract.input.datatype,
        shape: batched ? [items.length, ...contract.input.dims] : [...contract.input.dims],
      },
    ],
    outputs: outputs.map((name) => ({ name })),
    raw_input_contents: [items.length === 1 ? items[0] : Buffer.concat(items)],
  };
}

// ---------------------------------------------------------------------------------------------------------
// /proc sampling

let clockTicks;
function ticksPerSecond() {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** VmRSS and VmHWM of a process in MiB (undefined when it is gone). */
function memoryOf(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMiB: kb('VmRSS') / 1024, hwmMiB: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** utime + stime of a /proc stat line, in ms; the comm field may contain spaces and parentheses. */
function statCpuMs(line) {
  const fields = line.slice(line.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond();
}

/** CPU ms of a whole process (all threads). */
function cpuOf(pid) {
  try {
    return statCpuMs(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return NaN;
  }
}

const THREAD_MAIN = 'main (JS event loop)';
const THREAD_UV = 'libuv threadpool';
const THREAD_V8 = 'V8 platform (GC, JIT)';

/**
 * CPU ms per thread group of a Node process. Node 20 names all its own threads `node`, so they are told
 * apart by creation order: the V8 platform workers (concurrent GC and compiler jobs) start with the process,
 * before any JavaScript runs; the libuv threadpool (where sharp's pipeline and async fs/dns run) starts at
 * its first use, as the last UV_THREADPOOL_SIZE (default 4) `node` threads. Other threads are keyed by
 * name with trailing digits folded (libvips names its workers `libvips worker`).
 */
function threadCpuOf(pid) {
  const out = {};
  let tids;
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  const nodeThreads = [];
  for (const tid of tids) {
    try {
      const name = fs
        .readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8')
        .trim()
        .replace(/[-_ ]?\d+$/, '');
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const ms = statCpuMs(stat);
      if (Number(tid) === pid) {
        out[THREAD_MAIN] = (out[THREAD_MAIN] ?? 0) + ms;
      } else if (name === 'node') {
        const start = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
        nodeThreads.push({ tid: Number(tid), start, ms });
      } else {
        out[name] = (out[name] ?? 0) + ms;
      }
    } catch {
      // thread ended between readdir and read
    }
  }
  const poolSize = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  nodeThreads.sort((a, b) => a.start - b.start || a.tid - b.tid);
  const splitAt = nodeThreads.length > poolSize + 1 ? nodeThreads.length - poolSize : nodeThreads.length;
  nodeThreads.forEach((t, i) => {
    const key = i >= splitAt ? THREAD_UV : splitAt === nodeThreads.length ? 'node helper threads' : THREAD_V8;
    out[key] = (out[key] ?? 0) + t.ms;
  });
  return out;
}

function diffCounters(after, before) {
  const out = {};
  for (const [k, v] of Object.entries(after)) out[k] = v - (before[k] ?? 0);
  return out;
}

/** Samples VmRSS of `pid` every `everyMs`; stop() returns the peak seen and the last VmHWM. */
function rssSampler(pid, everyMs = 100) {
  let peak = 0;
  let hwm = NaN;
  const sample = () => {
    const m = memoryOf(pid);
    if (m) {
      peak = Math.max(peak, m.rssMiB);
      hwm = m.hwmMiB;
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { peakRssMiB: peak, hwmMiB: hwm };
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Load and statistics

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/**
 * Closed loop: `concurrency` workers each send a request, wait for the answer, send the next. `send(i)`
 * resolves with an outcome label ('ok' or an error label). A warm-up of `warmupMs` is not measured; then
 * either `seconds` (answers arriving inside the window count) or `requests` (that many requests started
 * after the warm-up count; the time runs to the last answer). `onWindow(phase)` runs at 'start' and 'end'
 * of the measured window (with `seconds`: on timers at the window's edges, while requests are in flight).
 */
async function closedLoop({ concurrency, warmupMs, seconds, requests, send, onWindow }) {
  const t0 = Date.now();
  const windowStart = t0 + warmupMs;
  const windowEnd = requests ? Infinity : windowStart + seconds * 1000;
  const latenciesMs = [];
  const outcomes = {};
  let next = 0;
  let measuredStarted = 0;
  let lastAnswer = windowStart;
  let firstError = '';
  // The hooks run at the window's edges (snapshots of CPU and metrics), not after the in-flight tail drains.
  const hooks = [];
  if (onWindow) {
    hooks.push(new Promise((resolve) => setTimeout(() => resolve(onWindow('start')), warmupMs)));
    if (!requests) {
      hooks.push(
        new Promise((resolve) => setTimeout(() => resolve(onWindow('end')), warmupMs + seconds * 1000)),
      );
    }
  }
  const more = () => (requests ? measuredStarted < requests : Date.now() < windowEnd);
  const worker = async () => {
    while (more()) {
      const started = Date.now();
      const inWindowAtStart = started >= windowStart;
      if (requests && inWindowAtStart) measuredStarted++;
      const i = next++;
      const h0 = process.hrtime.bigint();
      let outcome;
      try {
        outcome = await send(i);
      } catch (err) {
        outcome = err && err.code !== undefined ? `err:${err.code}` : 'err';
        if (!firstError) firstError = err && err.message ? err.message : String(err);
      }
      const ms = Number(process.hrtime.bigint() - h0) / 1e6;
      const now = Date.now();
      const counted = requests ? inWindowAtStart : now >= windowStart && now < windowEnd;
      if (!counted) continue;
      lastAnswer = Math.max(lastAnswer, now);
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      if (outcome === 'ok') latenciesMs.push(ms);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await Promise.all(hooks);
  if (onWindow && requests) await onWindow('end');
  const elapsedS = requests ? Math.max(1e-3, (lastAnswer - windowStart) / 1000) : seconds;
  latenciesMs.sort((a, b) => a - b);
  const answered = Object.values(outcomes).reduce((a, b) => a + b, 0);
  return {
    elapsedS,
    ok: latenciesMs.length,
    answered,
    rps: latenciesMs.length / elapsedS,
    p50: percentile(latenciesMs, 50),
    p99: percentile(latenciesMs, 99),
    meanMs: latenciesMs.reduce((a, b) => a + b, 0) / Math.max(1, latenciesMs.length),
    outcomes,
    firstError,
    sent: next,
  };
}

/** Prints a table; columns named in `left` are left-aligned, the others right-aligned. */
function printTable(header, rows, left = [0]) {
  const cells = rows.map((r) => r.map((v) => String(v)));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) =>
    c.map((v, i) => (left.includes(i) ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const c of cells) console.log(line(c));
}

const fmt = (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

module.exports = {
  REPO_ROOT,
  PROTO_DIR,
  DATASETS_DIR,
  IMAGE_DATASETS,
  ELECTRICAL_CSV,
  parseArgs,
  printMachine,
  conditions,
  makeClient,
  unary,
  freePort,
  assertBuilt,
  stopChild,
  startModelServer,
  modelServerFor,
  waitReady,
  sleep,
  gatewayModule,
  loadContract,
  requestedOutputs,
  contractImages,
  preprocessImages,
  electricalItems,
  loadDatasetImages,
  inferRequest,
  memoryOf,
  cpuOf,
  threadCpuOf,
  diffCounters,
  rssSampler,
  percentile,
  closedLoop,
  printTable,
  fmt,
};
