#!/usr/bin/env node
// Minimal ONNX Runtime inference loop for instruction counting (bench/int8/instructions.mjs runs
// it under callgrind): one session with the bench's options (1 thread, sequential, all graph
// optimizations), one input read from a raw float32 file, N awaited session.run calls, nothing else.
//
//   node bench/int8/ort-loop.mjs MODEL.onnx INPUT_NAME 1x128x128x3 INPUT.bin N
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';

const [model, inputName, dimsArg, inputFile, n] = process.argv.slice(2);
if (!n) {
  console.error('usage: ort-loop.mjs MODEL.onnx INPUT_NAME DIMS(AxBxC) INPUT.bin N');
  process.exit(2);
}
const dims = dimsArg.split('x').map(Number);
const raw = readFileSync(inputFile);
const x = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
const session = await ort.InferenceSession.create(model, {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
});
const feeds = { [inputName]: new ort.Tensor('float32', x, dims) };
for (let i = 0; i < Number(n); i++) await session.run(feeds);
await session.release();
