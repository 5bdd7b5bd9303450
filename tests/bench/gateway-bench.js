#!/usr/bin/env node
// The gateway against the model server it fronts, in one run, on the same real dataset images:
//   gateway: raw image/jpeg bodies POSTed to /v1/inspections of a gateway process (keep-alive HTTP);
//   direct:  the same images preprocessed once up front exactly as the gateway does (its ImagePreprocessor
//            and model contract), sent straight to model-server as KServe v2 ModelInfer, one image per call.
// Starts one model-server (or uses TRITON_URL) and one gateway process pointed at it; the load generator runs
// in this process.
//
//   npm run bench:gateway [-- --seconds 10 --modality visual|thermal --concurrency 1,16,64,256]
//   npm run bench:gateway -- --profile              (gateway under --cpu-prof; summary of where CPU goes)
//   npm run bench:gateway -- --idempotency-keys     (each request with its own Idempotency-Key)
//   npm run bench:gateway -- --soak 100000          (RSS and errors every 10k requests at concurrency 256)
//   npm run bench:gateway -- --repository triton-model-repo \
//       --routes visual:visual_ensemble,thermal:thermal_ensemble,electrical:electrical_ensemble
//
// Closed loop per row: each of `concurrency` clients sends a request, waits for the answer, sends the next;
// a warm-up, then a measured window. Results are printed, never asserted. Gateway settings other than the
// ones set here (BATCH_*, REQUEST_TIMEOUT_MS, …) pass through from the environment.
'use strict';

const { spawn } = require('node:child_process');
const { randomUUID } = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const common = require('./bench-common');
const { summarize, printSummary } = require('./cpuprofile-summary');

const { REPO_ROOT, fmt, printTable } = common;
const GATEWAY_BIN = path.join(REPO_ROOT, 'services/gateway/bin/gateway.js');
const BENCH_DIR = path.join(REPO_ROOT, '.bench');

const PATHS = ['direct', 'direct-decode', 'gateway'];
const LOOP_TIMER_MS = 10;
const USAGE = 'usage: npm run bench:gateway [-- options]   (TRITON_URL=host:port uses a running server)';
const SPEC = {
  seconds: { type: 'number', default: 5, help: 'measured seconds per row' },
  requests: { type: 'int', help: 'measure this many requests per row instead of --seconds' },
  'warmup-ms': { type: 'int', default: 1500, help: 'unmeasured warm-up per row' },
  modality: { type: 'string', default: 'visual', help: 'visual | thermal' },
  concurrency: { type: 'intlist', default: [1, 16, 64, 256], help: 'client counts, one row each' },
  paths: {
    type: 'list',
    default: ['direct', 'gateway'],
    help: 'gateway, direct (preprocessed up front), direct-decode (decoded per request in the client)',
  },
  repository: {
    type: 'string',
    default: 'tests/fixtures/gateway_repository',
    help: 'model repository for the model-server started here (and the gateway MODEL_REPOSITORY)',
  },
  routes: {
    type: 'string',
    default: 'visual:visual_fixture,thermal:thermal_fixture,electrical:electrical_fixture',
    help: 'MODEL_ROUTES for the gateway (modality:model,…)',
  },
  data: { type: 'string', help: 'image folder (<Class>/*.jpg); default: the modality’s dataset' },
  images: { type: 'int', default: 1000, help: 'at most this many images, round-robin over classes' },
  profile: { type: 'bool', default: false, help: 'run the gateway under node --cpu-prof and summarize' },
  'profile-dir': { type: 'string', default: '.bench/profile', help: 'where --cpu-prof writes' },
  soak: { type: 'int', help: 'soak mode: this many requests through the gateway, RSS every --soak-every' },
  'soak-every': { type: 'int', default: 10_000, help: 'soak report interval (requests)' },
  'soak-concurrency': { type: 'int', default: 256, help: 'clients in soak mode' },
  'idempotency-keys': {
    type: 'bool',
    default: false,
    help: 'every gateway request carries its own Idempotency-Key (a station that guards its retries)',
  },
  'retry-after': {
    type: 'bool',
    default: false,
    help: 'a client refused with 429 waits the Retry-After it was sent before its next request (a polite station)',
  },
};

// ---------------------------------------------------------------------------------------------------------
// The gateway process

async function startGatewayProcess({ address, repository, routes, profileDir }) {
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  const port = await common.freePort();
  const logFile = path.join(BENCH_DIR, 'gateway.log');
  const logFd = fs.openSync(logFile, 'w');
  const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const env = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    TRITON_URL: address,
    MODEL_REPOSITORY: repository,
    MODEL_ROUTES: routes,
    // Per-key rate limiting stays in the chain (its cost is part of the gateway) but must not trip here.
    RATE_LIMIT_PER_MINUTE: process.env.RATE_LIMIT_PER_MINUTE ?? '10000000',
  };
  const child = spawn(process.execPath, [...nodeArgs, GATEWAY_BIN], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', logFd, logFd],
  });
  fs.closeSync(logFd);
  const log = () => {
    try {
      return fs.readFileSync(logFile, 'utf8').slice(-4000);
    } catch {
      return '';
    }
  };
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `gateway exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${log()}`,
      );
    }
    const res = await httpGet(port, '/healthz').catch(() => undefined);
    if (res && res.status === 200) break;
    if (Date.now() > deadline) throw new Error(`gateway not up within 120 s:\n${log()}`);
    await common.sleep(250);
  }
  // /readyz wants every routed model; one that is not served is worth a line, not a failure (the request
  // sent before the rows checks the model under test).
  const ready = await httpGet(port, '/readyz').catch((err) => ({ status: 0, body: err.message }));
  if (ready.status !== 200) console.log(`note: gateway /readyz ${ready.status}: ${ready.body}`);
  return { port, child, pid: child.pid, logFile, log, stop: () => common.stopChild(child, 30_000) };
}

function httpGet(port, urlPath) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
  });
}

/**
 * From the gateway's /metrics: sum and count of `gateway_batch_size` (all models) and of
 * `gateway_inspection_stage_duration_ms` per stage (decode, preprocess, queue, infer, postprocess).
 */
async function gatewayMetrics(port) {
  const res = await httpGet(port, '/metrics');
  const batch = { sum: 0, count: 0 };
  const stages = {};
  // prom-client resets its event-loop delay histogram at each scrape: these cover the time since the last one.
  const gauge = (name) =>
    Number(new RegExp(`^gateway_${name}(?:\\{[^}]*\\})?\\s+(\\S+)$`, 'm').exec(res.body)?.[1]);
  // Its timer fires every 10 ms (prom-client's default precision) and an idle loop reads ≈ 10 ms: subtract it.
  const lag = (name) => Math.max(0, 1000 * gauge(name) - LOOP_TIMER_MS);
  const loopLag = {
    meanMs: lag('nodejs_eventloop_lag_mean_seconds'),
    p99Ms: lag('nodejs_eventloop_lag_p99_seconds'),
  };
  for (const line of res.body.split('\n')) {
    const m =
      /^(gateway_batch_size|gateway_inspection_stage_duration_ms)_(sum|count)\{([^}]*)\}\s+(\S+)$/.exec(line);
    if (!m) continue;
    const value = Number(m[4]);
    if (m[1] === 'gateway_batch_size') {
      batch[m[2]] += value;
    } else {
      const stage = /stage="([^"]*)"/.exec(m[3])?.[1] ?? '?';
      stages[stage] ??= { sum: 0, count: 0 };
      stages[stage][m[2]] += value;
    }
  }
  return { batch, stages, loopLag };
}

/** Errors other than 429 by status and message (digits masked), printed at the end: where do they come from? */
const errorMessages = new Map();
function noteErrorBody(status, body) {
  let message = body.slice(0, 200);
  try {
    const parsed = JSON.parse(body);
    message = `${parsed.error?.code ?? parsed.code ?? ''}: ${parsed.error?.message ?? parsed.message ?? body}`;
  } catch {
    // not JSON: keep the text
  }
  const label = `${status} ${message.replace(/\d+/g, 'N')}`;
  errorMessages.set(label, (errorMessages.get(label) ?? 0) + 1);
}

function printErrorMessages() {
  if (errorMessages.size === 0) return;
  console.log('error answers other than 429, by message (digits shown as N):');
  for (const [label, n] of [...errorMessages].sort((a, b) => b[1] - a[1])) console.log(`  ${n} × ${label}`);
}

/** One raw image/jpeg POST on a keep-alive agent; resolves with 'ok', '429' or the status/error label. */
function postImage(agent, port, urlPath, body, type = 'image/jpeg', refusal = undefined, extraHeaders = {}) {
  return new Promise((resolve) => {
    const req = http.request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: urlPath,
        headers: { 'content-type': type, 'content-length': body.length, ...extraHeaders },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => {
          if (res.statusCode !== 200) chunks.push(c);
        });
        res.on('end', () => {
          if (res.statusCode === 200) return resolve('ok');
          if (res.statusCode !== 429) noteErrorBody(res.statusCode, Buffer.concat(chunks).toString('utf8'));
          else if (refusal) refusal.retryAfterS = Number(res.headers['retry-after'] ?? 1);
          resolve(String(res.statusCode));
        });
        res.on('error', (err) => resolve(`net:${err.code ?? err.message}`));
      },
    );
    req.on('error', (err) => resolve(`net:${err.code ?? err.message}`));
    req.end(body);
  });
}

function contentType(file) {
  const ext = path.extname(file).toLowerCase();
  return ext === '.png' ? 'image/png' : ext === '.tif' || ext === '.tiff' ? 'image/tiff' : 'image/jpeg';
}

// ---------------------------------------------------------------------------------------------------------
// Rows

function cpuSnapshot(ctx) {
  return {
    gw: ctx.gateway ? common.cpuOf(ctx.gateway.pid) : NaN,
    gwThreads: ctx.gateway ? common.threadCpuOf(ctx.gateway.pid) : {},
    ms: ctx.server.pid ? common.cpuOf(ctx.server.pid) : NaN,
    client: (() => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    })(),
  };
}

/** Runs one row; returns the row record with CPU per answered request of each process. */
async function runRow(ctx, pathName, concurrency, opts) {
  const window = {};
  const rss = ctx.gateway && pathName === 'gateway' ? common.rssSampler(ctx.gateway.pid) : undefined;
  let send;
  let agent;
  if (pathName === 'gateway') {
    agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
    const { images } = ctx;
    send = async (i) => {
      const img = images[i % images.length];
      const urlPath = `${img.query}&stationId=bench-${i % concurrency}`;
      const refusal = opts.retryAfter ? { retryAfterS: 0 } : undefined;
      const headers = opts.idempotencyKeys ? { 'idempotency-key': randomUUID() } : {};
      const outcome = await postImage(
        agent,
        ctx.gateway.port,
        urlPath,
        img.bytes,
        img.type,
        refusal,
        headers,
      );
      if (refusal && refusal.retryAfterS > 0)
        await new Promise((r) => setTimeout(r, refusal.retryAfterS * 1000));
      return outcome;
    };
  } else if (pathName === 'direct-decode') {
    // Decode + resize in this process with the gateway's preprocessor, then one ModelInfer per image.
    send = async (i) => {
      const img = ctx.images[i % ctx.images.length];
      const item = await ctx.contractImages.preprocess(img.bytes, ctx.contract);
      const request = common.inferRequest(ctx.contract, [item.data], ctx.outputs);
      await common.unary(ctx.client, 'ModelInfer', request, 30_000);
      return 'ok';
    };
  } else {
    send = (i) =>
      common
        .unary(ctx.client, 'ModelInfer', ctx.directRequests[i % ctx.directRequests.length], 30_000)
        .then(() => 'ok');
  }
  const result = await common.closedLoop({
    concurrency,
    warmupMs: opts.warmupMs,
    seconds: opts.seconds,
    requests: opts.requests,
    send,
    onWindow: async (phase) => {
      window[phase] = {
        cpu: cpuSnapshot(ctx),
        metrics: ctx.gateway && pathName === 'gateway' ? await gatewayMetrics(ctx.gateway.port) : undefined,
      };
    },
  });
  if (agent) agent.destroy();
  const mem = rss ? rss.stop() : undefined;
  const a = window.start.cpu;
  const b = window.end.cpu;
  const per = (after, before) => (after - before) / Math.max(1, result.answered);
  const m0 = window.start.metrics;
  const m1 = window.end.metrics;
  const meanOf = (x1, x0) => (x1 && x0 ? (x1.sum - x0.sum) / Math.max(1, x1.count - x0.count) : NaN);
  const batch = m0 && m1 ? meanOf(m1.batch, m0.batch) : NaN;
  const stagesMs = {};
  if (m0 && m1) for (const st of Object.keys(m1.stages)) stagesMs[st] = meanOf(m1.stages[st], m0.stages[st]);
  const errors = Object.entries(result.outcomes)
    .filter(([k]) => k !== 'ok' && k !== '429')
    .map(([k, v]) => `${k}:${v}`)
    .join(' ');
  return {
    path: pathName,
    concurrency,
    ...result,
    n429: result.outcomes['429'] ?? 0,
    errors: errors || '0',
    meanBatch: batch,
    stagesMs,
    loopLag: m1 ? m1.loopLag : undefined,
    gwCpuMs: pathName === 'gateway' ? per(b.gw, a.gw) : NaN,
    gwThreadsMs: pathName === 'gateway' ? common.diffCounters(b.gwThreads, a.gwThreads) : undefined,
    msCpuMs: per(b.ms, a.ms),
    clientCpuMs: per(b.client, a.client),
    cpuPct: (100 * (b.gw - a.gw + (b.ms - a.ms) + (b.client - a.client))) / 1000 / result.elapsedS,
    peakRss: mem ? mem.peakRssMiB : NaN,
    hwm: mem ? mem.hwmMiB : NaN,
  };
}

function printRows(rows) {
  printTable(
    [
      'path',
      'conc',
      'req/s',
      'p50 ms',
      'p99 ms',
      'ok',
      '429',
      'errors',
      'mean batch',
      'gw CPU ms/req',
      'ms CPU ms/req',
      'client ms/req',
      'CPU % (3 procs)',
      'gw peak RSS MiB',
    ],
    rows.map((r) => [
      r.path,
      r.concurrency,
      fmt(r.rps),
      fmt(r.p50, 2),
      fmt(r.p99, 2),
      r.ok,
      r.n429,
      r.errors,
      fmt(r.meanBatch, 2),
      fmt(r.gwCpuMs, 2),
      fmt(r.msCpuMs, 2),
      fmt(r.clientCpuMs, 2),
      fmt(r.cpuPct, 0),
      fmt(r.peakRss, 0),
    ]),
  );
}

function printThreadTable(rows) {
  const gw = rows.filter((r) => r.gwThreadsMs);
  if (gw.length === 0) return;
  const names = [
    ...new Set(gw.flatMap((r) => Object.keys(r.gwThreadsMs).filter((k) => r.gwThreadsMs[k] > 0))),
  ].sort();
  console.log('\ngateway process CPU per answered request, by thread (ms; from /proc/<pid>/task/*/stat)');
  printTable(
    ['conc', ...names, 'total'],
    gw.map((r) => {
      const per = (k) => (r.gwThreadsMs[k] ?? 0) / Math.max(1, r.answered);
      return [r.concurrency, ...names.map((k) => fmt(per(k), 2)), fmt(r.gwCpuMs, 2)];
    }),
  );
}

function printStageTable(rows) {
  const gw = rows.filter((r) => r.path === 'gateway' && Object.keys(r.stagesMs).length > 0);
  if (gw.length === 0) return;
  const stages = ['decode', 'preprocess', 'queue', 'infer', 'postprocess'];
  console.log(
    '\ngateway stage means per request (ms; gateway_inspection_stage_duration_ms), the client’s view, and the\n' +
      'gateway’s event-loop delay over the window (gateway_nodejs_eventloop_lag_*, less its 10 ms sampling timer)',
  );
  printTable(
    ['conc', ...stages, 'sum of stages', 'client mean', 'client p50', 'loop delay mean', 'loop delay p99'],
    gw.map((r) => {
      const sum = stages.reduce((a, st) => a + (r.stagesMs[st] ?? 0), 0);
      return [
        r.concurrency,
        ...stages.map((st) => fmt(r.stagesMs[st], 2)),
        fmt(sum, 2),
        fmt(r.meanMs, 2),
        fmt(r.p50, 2),
        fmt(r.loopLag?.meanMs, 1),
        fmt(r.loopLag?.p99Ms, 1),
      ];
    }),
  );
}

function printRatios(rows) {
  const best = (p) => rows.filter((r) => r.path === p).sort((a, b) => b.rps - a.rps)[0];
  const at = (p, c) => rows.find((r) => r.path === p && r.concurrency === c);
  const cs = [...new Set(rows.map((r) => r.concurrency))].sort((a, b) => a - b);
  const g = best('gateway');
  console.log('');
  for (const [base, goals] of [
    ['direct', true],
    ['direct-decode', false],
  ]) {
    const d = best(base);
    if (!g || !d) continue;
    console.log(
      `saturation: gateway ${fmt(g.rps)} req/s (c=${g.concurrency}) / ${base} ${fmt(d.rps)} req/s ` +
        `(c=${d.concurrency}) = ${fmt((100 * g.rps) / d.rps)} %${goals ? '   (goal ≥ 85 %)' : ''}`,
    );
    const g1 = at('gateway', 1);
    const d1 = at(base, 1);
    if (g1 && d1) {
      console.log(
        `concurrency 1: p50 gateway ${fmt(g1.p50, 2)} ms − ${base} ${fmt(d1.p50, 2)} ms = ` +
          `${fmt(g1.p50 - d1.p50, 2)} ms added${goals ? '   (goal ≤ 3 ms)' : ''}`,
      );
    }
    const same = cs
      .map((c) => [c, at('gateway', c), at(base, c)])
      .filter(([, x, y]) => x && y)
      .map(([c, x, y]) => `c=${c}: ${fmt((100 * x.rps) / y.rps, 0)} %`);
    if (same.length) console.log(`gateway/${base} throughput per concurrency: ${same.join(', ')}`);
  }
  const gTop = at('gateway', Math.max(...cs));
  if (gTop) {
    console.log(
      `c=${gTop.concurrency}: errors other than 429: ${gTop.errors}; 429: ${gTop.n429}; ` +
        `gateway peak RSS ${fmt(gTop.peakRss, 0)} MiB (VmHWM ${fmt(gTop.hwm, 0)} MiB)   (goal: no errors, < 500 MB)`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------
// Soak

async function soak(ctx, total, every, concurrency) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  const outcomes = {};
  let done = 0;
  let chunkStart = Date.now();
  let chunkLat = [];
  const started = Date.now();
  const rows = [];
  const pid = ctx.gateway.pid;
  const cpu0 = common.cpuOf(pid);
  console.log(`soak: ${total} requests at concurrency ${concurrency}, a report every ${every}`);
  const report = () => {
    const now = Date.now();
    const m = common.memoryOf(pid) ?? {};
    chunkLat.sort((a, b) => a - b);
    const errs = Object.entries(outcomes)
      .filter(([k]) => k !== 'ok' && k !== '429')
      .map(([k, v]) => `${k}:${v}`)
      .join(' ');
    const row = [
      done,
      fmt((now - started) / 1000, 0),
      fmt((chunkLat.length * 1000) / Math.max(1, now - chunkStart)),
      fmt(common.percentile(chunkLat, 50), 1),
      fmt(common.percentile(chunkLat, 99), 1),
      fmt(m.rssMiB, 0),
      fmt(m.hwmMiB, 0),
      outcomes['429'] ?? 0,
      errs || '0',
      fmt((common.cpuOf(pid) - cpu0) / done, 2),
    ];
    rows.push(row);
    console.log(`  ${row.join('  ')}`);
    chunkStart = now;
    chunkLat = [];
  };
  const header = [
    'requests',
    's',
    'req/s',
    'p50 ms',
    'p99 ms',
    'RSS MiB',
    'VmHWM MiB',
    '429 total',
    'other errors',
    'gw CPU ms/req',
  ];
  console.log(`  ${header.join('  ')}`);
  await common.closedLoop({
    concurrency,
    warmupMs: 0,
    requests: total,
    send: async (i) => {
      const img = ctx.images[i % ctx.images.length];
      const t0 = process.hrtime.bigint();
      const outcome = await postImage(
        agent,
        ctx.gateway.port,
        `${img.query}&stationId=soak-${i % concurrency}`,
        img.bytes,
        img.type,
      );
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      if (outcome === 'ok') chunkLat.push(Number(process.hrtime.bigint() - t0) / 1e6);
      done++;
      if (done % every === 0 || done === total) report();
      return outcome;
    },
  });
  agent.destroy();
  console.log('');
  printTable(header, rows);
  const first = Number(rows[0]?.[5]);
  const rss = rows.map((r) => Number(r[5]));
  console.log(
    `\nsoak: RSS first report ${fmt(first, 0)} MiB, min ${fmt(Math.min(...rss), 0)}, max ` +
      `${fmt(Math.max(...rss), 0)}, last ${fmt(rss[rss.length - 1], 0)} MiB; outcomes ${JSON.stringify(outcomes)}`,
  );
}

// ---------------------------------------------------------------------------------------------------------
// Profile summary

function findNewProfiles(dir, since) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => path.join(dir, f))
    .filter((f) => fs.statSync(f).mtimeMs >= since)
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
}

function printProfile(file, threadsMs, totalRequests) {
  console.log(`\n=== CPU profile of the gateway (${path.relative(REPO_ROOT, file)}) ===`);
  console.log(`requests sent to the gateway during its life (warm-ups included): ${totalRequests}`);
  const summary = summarize(file);
  printSummary(summary, { printTable, top: 25 });

  // Per image: threads from /proc, and the main thread split by the profile's buckets.
  const per = (ms) => ms / Math.max(1, totalRequests);
  const mainKey = 'main (JS event loop)';
  const mainMs = threadsMs[mainKey] ?? NaN;
  const rows = [];
  let total = 0;
  let excluded = 0;
  for (const [bucket, ms] of Object.entries(summary.buckets).sort((a, b) => b[1] - a[1])) {
    if (ms <= 0) continue;
    const share = (mainMs * ms) / summary.busyMs;
    total += share;
    if (bucket.startsWith('start-up')) excluded += share;
    rows.push([`main thread: ${bucket}`, fmt(per(share), 3)]);
  }
  for (const [name, ms] of Object.entries(threadsMs).sort((a, b) => b[1] - a[1])) {
    if (name === mainKey || ms <= 0) continue;
    total += ms;
    let what = 'other';
    if (/libuv/.test(name)) what = 'sharp decode+resize (libvips pipeline)';
    else if (/vips/.test(name)) what = 'sharp decode+resize (libvips workers)';
    else if (/V8/.test(name)) what = 'GC and JIT off the main thread';
    else if (/ProfEvnt/.test(name)) {
      what = 'the CPU profiler itself (only with --profile)';
      excluded += ms;
    }
    rows.push([`${name}: ${what}`, fmt(per(ms), 3)]);
  }
  rows.push(['total (process utime+stime)', fmt(per(total), 3)]);
  rows.push(['total without start-up and profiler', fmt(per(total - excluded), 3)]);
  console.log('\nwhere the gateway’s CPU goes per image (CPU ms per request over the process life; the main');
  console.log('thread split by the profile’s buckets, the other threads from /proc/<pid>/task/*/stat)');
  printTable(['where', 'CPU ms / image'], rows);
}

// ---------------------------------------------------------------------------------------------------------

async function main() {
  const opts = common.parseArgs(process.argv.slice(2), SPEC, USAGE);
  const modality = opts.modality;
  if (!common.IMAGE_DATASETS[modality]) {
    throw new Error(`--modality must be visual or thermal (electrical has no image path), got ${modality}`);
  }
  for (const p of opts.paths) {
    if (!PATHS.includes(p)) throw new Error(`--paths takes ${PATHS.join(',')}; got ${p}`);
  }
  const repository = path.resolve(REPO_ROOT, opts.repository);
  const routes = Object.fromEntries(opts.routes.split(',').map((pair) => pair.split(':')));
  const model = routes[modality];
  if (!model) throw new Error(`--routes names no model for modality ${modality}`);

  common.printMachine();
  console.log(`conditions at start:\n${common.conditions()}\n`);

  const server = await common.modelServerFor(repository);
  console.log(
    `model-server: ${server.external ? `TRITON_URL=${server.address}` : `started here at ${server.address} (pid ${server.pid}), repository ${path.relative(REPO_ROOT, repository) || '.'}`}`,
  );
  const client = common.makeClient(server.address);
  const cleanup = [];
  const stopAll = async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
    client.close();
    await server.stop();
  };
  process.once('SIGINT', () => {
    void stopAll().then(() => process.exit(130));
  });

  try {
    await common.waitReady(client, server.child, server.log);
    const contract = await common.loadContract(client, model);
    if (!contract.image) throw new Error(`model ${model} takes no image (modality ${contract.modality})`);
    const outputs = common.requestedOutputs(contract);
    const dataDir = opts.data ? path.resolve(opts.data) : common.IMAGE_DATASETS[modality];
    const loaded = common.loadDatasetImages(dataDir, opts.images);
    const bytes = loaded.reduce((a, i) => a + i.bytes.length, 0);
    console.log(
      `model: ${model} v${contract.version} (${contract.input.name} ${contract.input.datatype} ` +
        `[${contract.input.dims.join(', ')}], max_batch_size ${contract.maxBatchSize}), outputs ${outputs.join(',')}`,
    );
    console.log(
      `images: ${loaded.length} from ${path.relative(REPO_ROOT, dataDir)} (${new Set(loaded.map((i) => i.cls)).size} classes, ` +
        `mean ${fmt(bytes / loaded.length / 1024)} KiB)`,
    );

    const ctx = {
      server,
      client,
      modality,
      contract,
      outputs,
      contractImages: common.contractImages(),
      gateway: undefined,
      images: [],
      directRequests: [],
    };
    ctx.images = loaded.map((img) => ({
      bytes: img.bytes,
      type: contentType(img.file),
      query: `/v1/inspections?modality=${modality}`,
    }));
    if (opts.paths.includes('direct') && !opts.soak) {
      const t0 = Date.now();
      const tensors = await common.preprocessImages(
        contract,
        loaded.map((i) => i.bytes),
      );
      ctx.directRequests = tensors.map((t) => common.inferRequest(contract, [t], outputs));
      console.log(
        `direct: ${tensors.length} tensors of ${tensors[0].length} bytes preprocessed by the gateway's ` +
          `ImagePreprocessor in ${fmt((Date.now() - t0) / 1000, 1)} s (not measured)`,
      );
    }

    const profileDir = opts.profile ? path.resolve(REPO_ROOT, opts['profile-dir']) : undefined;
    if (profileDir) fs.mkdirSync(profileDir, { recursive: true });
    const gatewayStarted = Date.now();
    let gwSent = 0;
    if (opts.paths.includes('gateway') || opts.soak) {
      ctx.gateway = await startGatewayProcess({
        address: server.address,
        repository,
        routes: opts.routes,
        profileDir,
      });
      cleanup.push(() => ctx.gateway.stop());
      console.log(
        `gateway: pid ${ctx.gateway.pid} on 127.0.0.1:${ctx.gateway.port}${profileDir ? ' under --cpu-prof' : ''}, ` +
          `log ${path.relative(REPO_ROOT, ctx.gateway.logFile)}`,
      );
      // One request up front: fail loudly if the gateway cannot answer at all.
      const first = await new Promise((resolve, reject) => {
        const img = ctx.images[0];
        const req = http.request(
          {
            host: '127.0.0.1',
            port: ctx.gateway.port,
            method: 'POST',
            path: `${img.query}&stationId=bench`,
            headers: { 'content-type': img.type, 'content-length': img.bytes.length },
          },
          (res) => {
            const chunks = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
          },
        );
        req.on('error', reject);
        req.end(img.bytes);
      });
      gwSent++;
      if (first.status !== 200) throw new Error(`gateway answered ${first.status}: ${first.body}`);
      const answer = JSON.parse(first.body);
      console.log(
        `first answer: ${answer.decision} by ${answer.model.name} v${answer.model.version}, timings ${JSON.stringify(answer.timings)}`,
      );
    }
    console.log(
      opts.soak
        ? ''
        : `each row: ${opts['warmup-ms']} ms warm-up, then ${opts.requests ? `${opts.requests} requests` : `${opts.seconds} s`} measured (closed loop)\n`,
    );

    if (opts.soak) {
      await soak(ctx, opts.soak, opts['soak-every'], opts['soak-concurrency']);
      gwSent += opts.soak;
    } else {
      const rows = [];
      for (const c of opts.concurrency) {
        for (const p of PATHS) {
          if (!opts.paths.includes(p)) continue;
          const row = await runRow(ctx, p, c, {
            warmupMs: opts['warmup-ms'],
            retryAfter: opts['retry-after'],
            idempotencyKeys: opts['idempotency-keys'],
            seconds: opts.seconds,
            requests: opts.requests,
          });
          if (p === 'gateway') gwSent += row.sent;
          rows.push(row);
          console.log(
            `  ${p} c=${c}: ${fmt(row.rps)} req/s, p50 ${fmt(row.p50, 2)} ms, p99 ${fmt(row.p99, 2)} ms, ` +
              `429 ${row.n429}, errors ${row.errors}${row.firstError ? ` (${row.firstError})` : ''}`,
          );
        }
      }
      console.log('');
      printRows(rows);
      printThreadTable(rows);
      printStageTable(rows);
      printRatios(rows);
    }
    printErrorMessages();

    if (ctx.gateway) {
      const threads = common.threadCpuOf(ctx.gateway.pid);
      const mem = common.memoryOf(ctx.gateway.pid);
      console.log(`\ngateway VmHWM (peak RSS over its life): ${fmt(mem?.hwmMiB, 0)} MiB`);
      cleanup.pop();
      const code = await ctx.gateway.stop();
      if (code !== 0) console.log(`gateway exited with ${code} on SIGTERM; log tail:\n${ctx.gateway.log()}`);
      if (profileDir) {
        const files = findNewProfiles(profileDir, gatewayStarted - 1000);
        if (files.length === 0) console.log(`no .cpuprofile written to ${profileDir}`);
        else printProfile(files[0], threads, gwSent);
      }
    }
    console.log(`\nconditions at end:\n${common.conditions(12)}`);
  } finally {
    await stopAll();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
