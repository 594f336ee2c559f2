// Jest's node environment with the host realm's ArrayBuffer and typed-array constructors. Jest runs
// each test file in its own vm context, so `new Float32Array()` there is another realm's class;
// native addons (onnxruntime-node) hand back host-realm arrays, and onnxruntime-common's
// `data instanceof Float32Array` check then rejects them. Sharing the constructors keeps one realm.
import { TestEnvironment } from 'jest-environment-node';

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

export default class SharedTypedArraysEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}
