/**
 * Test fixtures shared by the spec files: repository paths, the sample BlazeFace model, the
 * ONNX conformance data directory, and the loud skip reason used when the runner is not built.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_RUNNER, runnerAvailable } from '../runner/int8-runner.js';
import { decodeTensorFile, type Tensor } from '../onnx/onnx-proto.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const BLAZEFACE = join(REPO_ROOT, '.cache/models/blazeface_front_128.onnx');
export const ONNX_NODE_TESTS = '/usr/share/libonnx-testdata/data/node';

/** false when the runner exists, else the reason string node:test prints for the skip. */
export function runnerSkip(): false | string {
  if (runnerAvailable()) return false;
  const msg = `SKIPPED: int8-runner is not built at ${DEFAULT_RUNNER}; run device-agents/native/build.sh first`;
  console.warn(`\n*** ${msg} ***\n`);
  return msg;
}

export function blazefaceBytes(): Uint8Array {
  if (!existsSync(BLAZEFACE)) execFileSync(process.execPath, [join(REPO_ROOT, 'scripts/fetch-sample-models.mjs')], { stdio: 'inherit' });
  return readFileSync(BLAZEFACE);
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface NodeTestCase {
  name: string;
  model: Uint8Array;
  inputs: { name: string; tensor: Tensor }[];
  outputs: { name: string; tensor: Tensor }[];
}

export function loadNodeTest(name: string): NodeTestCase {
  const dir = join(ONNX_NODE_TESTS, name);
  const set = join(dir, 'test_data_set_0');
  const files = readdirSync(set).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const read = (prefix: string) => files.filter((f) => f.startsWith(prefix)).map((f) => decodeTensorFile(readFileSync(join(set, f))));
  return { name, model: readFileSync(join(dir, 'model.onnx')), inputs: read('input_'), outputs: read('output_') };
}

export function nodeTestExists(name: string): boolean {
  return existsSync(join(ONNX_NODE_TESTS, name, 'model.onnx'));
}
