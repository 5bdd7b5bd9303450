'use strict';
// Jest runs each test file in its own VM context with its own typed-array constructors. Native addons
// (onnxruntime-node) create typed arrays in the main context, so `instanceof Float32Array` checks inside the
// library fail for tensors the addon returns. This environment shares the main context's typed arrays with the
// test context, as a normal Node process has them. Test infrastructure only.
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer',
  'SharedArrayBuffer',
  'DataView',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
];

class SharedTypedArrayEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = SharedTypedArrayEnvironment;
