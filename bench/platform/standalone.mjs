#!/usr/bin/env node
// The standalone side of overhead.mjs, as its own process so that overhead.mjs can pin it to the
// benchmark CPU with taskset while it stays off that CPU itself:
//
//   node bench/platform/standalone.mjs <spec.json>
//
// spec: { engine: 'onnxruntime' | 'tflite', modelPath, inputs (the API's view of the artifact's
// inputs), outputs, warmup, runs, seed }. Prints one JSON line: { latenciesMs: number[] }.
//   onnxruntime  a plain onnxruntime-node loop: no runner class, no host, no progress;
//   tflite       the agent's TfliteRunner class (the wasm runtime has no standalone CLI).
// Inputs are the bytes the agent synthesises for the same seed.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { RUNNER_ORT_OPTIONS } from '../lib/ort-options.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const agentDist = join(root, 'device-agents/agent/dist/runners');
const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));

async function onnxruntime() {
  // The agent's own onnxruntime-node, so both sides run the same build of the engine.
  const ort = createRequire(join(root, 'device-agents/agent/package.json'))('onnxruntime-node');
  const { synthesizeInputs } = await import(pathToFileURL(join(agentDist, 'input-synthesis.js')).href);
  const session = await ort.InferenceSession.create(spec.modelPath, RUNNER_ORT_OPTIONS);
  const feeds = {};
  for (const t of synthesizeInputs(spec.inputs, spec.seed)) feeds[t.name] = new ort.Tensor(t.dtype, t.data, t.shape);
  // One extra run first, as the runner keeps its first inference out of warm-up and timing.
  await session.run(feeds);
  for (let i = 0; i < spec.warmup; i++) await session.run(feeds);
  const lat = new Array(spec.runs);
  for (let i = 0; i < spec.runs; i++) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    lat[i] = Number(process.hrtime.bigint() - t0) / 1e6;
  }
  await session.release();
  return lat;
}

async function tflite() {
  const { TfliteRunner } = await import(pathToFileURL(join(agentDist, 'tflite.runner.js')).href);
  const out = await new TfliteRunner().run({
    modelPath: spec.modelPath,
    inputs: spec.inputs,
    outputs: spec.outputs,
    options: { threads: 1, warmupRuns: spec.warmup, timedRuns: spec.runs, profileRuns: 0, seed: spec.seed },
  });
  return out.latenciesMs;
}

const engines = { onnxruntime, tflite };
if (!engines[spec.engine]) throw new Error(`standalone.mjs runs onnxruntime or tflite, not "${spec.engine}"`);
const latenciesMs = await engines[spec.engine]();
process.stdout.write(`${JSON.stringify({ latenciesMs })}\n`, () => process.exit(0));
