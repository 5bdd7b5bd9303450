#!/usr/bin/env node
// Summarizes a V8 .cpuprofile (as written by `node --cpu-prof`): self time per function and per bucket
// (sharp/decode+resize, gRPC encode/decode, JSON, HTTP/multipart, batching, …). A function whose own file
// names no bucket (node internals, builtins, anonymous callbacks) is charged to the bucket of its caller.
//
//   node tests/bench/cpuprofile-summary.js FILE.cpuprofile [--top N]
//
// The profile covers the JS main thread only: sharp's decode and resize run on libuv/libvips threads and
// show up here only as the JS that calls them; gateway-bench.js adds those threads from /proc.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const BUCKETS = [
  'sharp/decode+resize',
  'gRPC encode/decode',
  'JSON',
  'HTTP/multipart',
  'batching',
  'postprocess+service',
  'metrics+logging',
  'GC',
  'start-up (module loading)',
  'other',
];

/** The bucket a frame's own code belongs to, or null to inherit the caller's. */
function classify(frame) {
  const fn = frame.functionName;
  const url = frame.url || '';
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(idle)') return 'idle';
  if (fn === '(program)') return 'other';
  if (fn === '(root)') return null;
  if (url === '' && /^(JSON\.)?(stringify|parse)$/.test(fn)) return 'JSON';
  // res.json() → express's stringify(): JSON.stringify is a builtin whose time lands in its JS caller.
  if (/express\/lib\/response\.js$/.test(url) && (fn === 'json' || fn === 'stringify')) return 'JSON';
  if (/node_modules\/sharp\/|gateway\/dist\/preprocess\//.test(url)) return 'sharp/decode+resize';
  if (/@grpc\/|protobufjs|node:internal\/http2|node:http2|gateway\/dist\/triton\//.test(url)) {
    return 'gRPC encode/decode';
  }
  if (/node_modules\/(pino|sonic-boom|fast-redact|safe-stable-stringify|thread-stream)/.test(url)) {
    return 'metrics+logging';
  }
  if (/node_modules\/prom-client|gateway\/dist\/monitoring\//.test(url)) return 'metrics+logging';
  if (/gateway\/dist\/batching\/|gateway\/dist\/inspections\/model-runner/.test(url)) return 'batching';
  if (/gateway\/dist\/(postprocess|inspections|routing|domain)\//.test(url)) return 'postprocess+service';
  if (
    /node_modules\/(express|router|body-parser|raw-body|busboy|streamsearch|helmet|express-rate-limit|finalhandler|on-finished|content-type|type-is|accepts|negotiator|qs|mime|mime-types|mime-db|send|depd|statuses|http-errors|iconv-lite|encodeurl|escape-html|parseurl|path-to-regexp|vary|etag|fresh|range-parser|cookie|proxy-addr|forwarded|ipaddr\.js|media-typer|content-disposition)\//.test(
      url,
    ) ||
    /^node:(_http_|http$|internal\/http$)/.test(url) ||
    /gateway\/dist\/http\//.test(url)
  ) {
    return 'HTTP/multipart';
  }
  return null;
}

/**
 * Reads a .cpuprofile: returns { totalMs, idleMs, busyMs, buckets: {name: ms}, functions: [{name, where,
 * bucket, selfMs}] } (functions sorted by self time, idle excluded).
 */
function summarize(file) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map();
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    const dt = timeDeltas[i + 1] ?? 0;
    if (dt > 0) selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + dt);
  }
  // Anything under a require() (module compilation and top-level code) is start-up, whatever its file.
  const startupCache = new Map();
  const inStartup = (id) => {
    if (startupCache.has(id)) return startupCache.get(id);
    const own = /^node:internal\/modules\//.test(byId.get(id).callFrame.url || '');
    const v = own || (parent.has(id) && inStartup(parent.get(id)));
    startupCache.set(id, v);
    return v;
  };
  const bucketCache = new Map();
  const bucketOf = (id) => {
    if (bucketCache.has(id)) return bucketCache.get(id);
    const node = byId.get(id);
    let b = inStartup(id) ? 'start-up (module loading)' : classify(node.callFrame);
    if (b === null) b = parent.has(id) ? bucketOf(parent.get(id)) : 'other';
    bucketCache.set(id, b);
    return b;
  };
  const buckets = Object.fromEntries(BUCKETS.map((b) => [b, 0]));
  const fnTotals = new Map();
  let idleUs = 0;
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    totalUs += us;
    const b = bucketOf(id);
    if (b === 'idle') {
      idleUs += us;
      continue;
    }
    buckets[b] = (buckets[b] ?? 0) + us;
    const f = byId.get(id).callFrame;
    const where = f.url ? `${shortUrl(f.url)}:${f.lineNumber + 1}` : '(native)';
    const key = `${f.functionName || '(anonymous)'}|${where}|${b}`;
    fnTotals.set(key, (fnTotals.get(key) ?? 0) + us);
  }
  const functions = [...fnTotals.entries()]
    .map(([key, us]) => {
      const [name, where, bucket] = key.split('|');
      return { name, where, bucket, selfMs: us / 1000 };
    })
    .sort((a, b) => b.selfMs - a.selfMs);
  for (const b of Object.keys(buckets)) buckets[b] /= 1000;
  return {
    totalMs: totalUs / 1000,
    idleMs: idleUs / 1000,
    busyMs: (totalUs - idleUs) / 1000,
    buckets,
    functions,
  };
}

function shortUrl(url) {
  const u = url.replace(/^file:\/\//, '');
  const nm = u.lastIndexOf('node_modules/');
  if (nm >= 0) return u.slice(nm + 'node_modules/'.length);
  const dist = u.indexOf('services/');
  if (dist >= 0) return u.slice(dist + 'services/'.length);
  return u;
}

function printSummary(summary, { top = 25, printTable } = {}) {
  const fmt = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-');
  const { busyMs, idleMs, totalMs } = summary;
  console.log(
    `main-thread profile: ${fmt(totalMs / 1000, 2)} s sampled, ${fmt(busyMs / 1000, 2)} s busy, ` +
      `${fmt(idleMs / 1000, 2)} s idle`,
  );
  const rows = Object.entries(summary.buckets)
    .filter(([, ms]) => ms > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([name, ms]) => [name, fmt(ms, 0), fmt((100 * ms) / busyMs)]);
  // Samples are taken on a wall-clock timer, so on a busy machine "busy" includes time the thread waited for
  // a CPU: use the shares, and scale them by the thread's CPU time (gateway-bench.js does) for ms per image.
  printTable(['bucket (main thread)', 'self ms', '% busy'], rows);
  console.log('');
  printTable(
    ['function (self time)', 'where', 'bucket', 'self ms', '% busy'],
    summary.functions
      .slice(0, top)
      .map((f) => [f.name, f.where, f.bucket, fmt(f.selfMs, 0), fmt((100 * f.selfMs) / busyMs)]),
    [0, 1, 2],
  );
}

module.exports = { summarize, printSummary, classify, BUCKETS };

if (require.main === module) {
  const { printTable } = require('./bench-common');
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith('--'));
  const topAt = args.indexOf('--top');
  if (!file) {
    console.error('usage: node tests/bench/cpuprofile-summary.js FILE.cpuprofile [--top N]');
    process.exit(2);
  }
  console.log(path.resolve(file));
  printSummary(summarize(file), { top: topAt >= 0 ? Number(args[topAt + 1]) : 25, printTable });
}
