#!/usr/bin/env node
// Decodes images the way the gateway will (sharp), for the trainer's train/serve-skew check.
// Usage: node sharp-decode.js spec.json
//   spec: { "paths": [..], "width": W, "height": H, "kernel": "lanczos3", "resize": true, "out": raw path }
// Writes N x H x W 8-bit gray pixels, row-major, to spec.out.
'use strict';
const fs = require('fs');
const path = require('path');

function loadSharp() {
  for (const c of [path.resolve(__dirname, '../../../node_modules/sharp'), 'sharp']) {
    try {
      return require(c);
    } catch {
      /* try next */
    }
  }
  throw new Error('sharp not found: run `npm ci` at the repository root');
}

async function main() {
  const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const sharp = loadSharp();
  sharp.concurrency(1);
  const out = Buffer.alloc(spec.paths.length * spec.width * spec.height);
  for (let i = 0; i < spec.paths.length; i++) {
    let img = sharp(spec.paths[i], { failOn: 'error' }).toColourspace('b-w');
    const meta = await sharp(spec.paths[i]).metadata();
    if (spec.resize || meta.width !== spec.width || meta.height !== spec.height) {
      img = img.resize(spec.width, spec.height, { fit: 'fill', kernel: spec.kernel });
    }
    const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 1 || data.length !== spec.width * spec.height) {
      throw new Error(`${spec.paths[i]}: got ${info.width}x${info.height}x${info.channels}`);
    }
    data.copy(out, i * spec.width * spec.height);
  }
  fs.writeFileSync(spec.out, out);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
