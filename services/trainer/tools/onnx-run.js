#!/usr/bin/env node
// Runs an ONNX model with onnxruntime-node (the runtime model-server uses) for the trainer's parity check,
// because Debian packages no Python onnxruntime.
// Usage: node onnx-run.js spec.json
//   spec: { "model": path, "inputs": [{ "name", "type": "uint8"|"float32", "dims": [..], "file": raw path }],
//           "outputs": [names], "outDir": dir, "batch": n (rows per run) }
// Writes <outDir>/<output>.bin (float32, little-endian, batches concatenated) and <outDir>/shapes.json.
'use strict';
const fs = require('fs');
const path = require('path');

function loadOrt() {
  const candidates = [path.resolve(__dirname, '../../../node_modules/onnxruntime-node'), 'onnxruntime-node'];
  for (const c of candidates) {
    try {
      return require(c);
    } catch {
      /* try next */
    }
  }
  throw new Error('onnxruntime-node not found: run `npm ci` at the repository root');
}

const ARRAYS = { uint8: Uint8Array, float32: Float32Array, int64: BigInt64Array };

async function main() {
  const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const ort = loadOrt();
  const session = await ort.InferenceSession.create(spec.model, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  });
  const inputs = spec.inputs.map((inp) => {
    const buf = fs.readFileSync(inp.file);
    const Arr = ARRAYS[inp.type];
    const data = new Arr(buf.buffer, buf.byteOffset, buf.byteLength / Arr.BYTES_PER_ELEMENT);
    return { ...inp, data, rowSize: inp.dims.slice(1).reduce((a, b) => a * b, 1) };
  });
  const n = inputs[0].dims[0];
  const step = spec.batch || n;
  const chunks = Object.fromEntries(spec.outputs.map((o) => [o, []]));
  const shapes = {};
  const t0 = process.hrtime.bigint();
  for (let s = 0; s < n; s += step) {
    const e = Math.min(n, s + step);
    const feeds = {};
    for (const inp of inputs) {
      const dims = [e - s, ...inp.dims.slice(1)];
      feeds[inp.name] = new ort.Tensor(inp.type, inp.data.slice(s * inp.rowSize, e * inp.rowSize), dims);
    }
    const out = await session.run(feeds, spec.outputs);
    for (const o of spec.outputs) {
      const t = out[o];
      chunks[o].push(Float32Array.from(t.data, Number));
      shapes[o] = [n, ...t.dims.slice(1)];
    }
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  fs.mkdirSync(spec.outDir, { recursive: true });
  for (const o of spec.outputs) {
    const total = chunks[o].reduce((a, c) => a + c.length, 0);
    const all = new Float32Array(total);
    let off = 0;
    for (const c of chunks[o]) {
      all.set(c, off);
      off += c.length;
    }
    fs.writeFileSync(path.join(spec.outDir, `${o}.bin`), Buffer.from(all.buffer));
  }
  fs.writeFileSync(path.join(spec.outDir, 'shapes.json'), JSON.stringify({ shapes, ms }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
