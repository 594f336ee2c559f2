/**
 * ncnn-runner against the real NCNN it was built with: the contract's report, error line and exit
 * statuses; outputs checked against the graph computed in JS; per-layer times that add up to an
 * inference; a model converted by the real onnx2ncnn (BlazeFace) run through the agent's
 * NcnnRunner. CI has no NCNN, so every block here skips visibly without ncnn-runner (NCNN_RUNNER,
 * or device-agents/ncnn-runner/build/x86_64/ncnn-runner) and, for the conversion, onnx2ncnn
 * (NCNN_DIR).
 */
import { afterAll, beforeAll, it } from '@jest/globals';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NativeRunnerErrorSchema, NativeRunnerReportSchema, NativeRunnerVersionSchema, RunnerOutputSchema } from '@farm/contracts';
import { inspectNcnnParam } from '@farm/model-inspect';
import { NcnnRunner } from '@farm/agent/runners/ncnn.runner';
import { median } from '@farm/agent/runners/runner';
import { describeUnless } from '../fixtures/skip.js';
import { sampleModels } from '../fixtures/model-fixtures.js';
import { LOCAL_TRANSPORT, localDevice } from '../fixtures/runner-fixtures.js';
import ort from 'onnxruntime-node';
import { convertOnnxToNcnn, NCNN_RUNNER, NO_NCNN_RUNNER, NO_ONNX2NCNN, TINY_PARAM, tinyBin, tinyReference, tinyWeights } from '../fixtures/ncnn-fixtures.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'farm-ncnn-int-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function runner(args: string[]) {
  const r = spawnSync(NCNN_RUNNER, args, { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function errorLine(stderr: string) {
  return NativeRunnerErrorSchema.parse(JSON.parse(stderr.trim().split('\n').pop()!)).error;
}

describeUnless(NO_NCNN_RUNNER)('ncnn-runner on a hand-written NCNN model (Conv, ReLU, depthwise, global pool)', () => {
  const w = tinyWeights();
  const x = Float32Array.from({ length: 3 * 8 * 8 }, (_, i) => Math.sin(i));
  let param: string;
  let bin: string;
  let input: string;
  beforeAll(() => {
    param = join(dir, 'tiny.param');
    bin = join(dir, 'tiny.bin');
    input = join(dir, 'tiny-in.bin');
    writeFileSync(param, TINY_PARAM);
    writeFileSync(bin, tinyBin(w));
    writeFileSync(input, new Uint8Array(x.buffer));
  });
  const args = (extra: string[] = []) => ['--model', param, '--weights', bin, '--input', `data:1x3x8x8:${input}`, ...extra];

  it('answers --version with the NCNN it links', () => {
    const r = runner(['--version']);
    assert.equal(r.status, 0);
    const v = NativeRunnerVersionSchema.parse(JSON.parse(r.stdout));
    assert.equal(v.runner, 'ncnn-runner');
    assert.match(v.version, /^\d+\.\d+\.\d{8}$/);
  });

  it('reports per the contract, and its outputs are the graph computed in JS', () => {
    const out = join(dir, 'tiny-out.bin');
    const r = runner(args(['--output', out, '--threads', '1', '--warmup', '2', '--runs', '5', '--profile-runs', '3']));
    assert.equal(r.status, 0, r.stderr);
    const report = NativeRunnerReportSchema.parse(JSON.parse(r.stdout.trim()));
    assert.equal(report.latenciesMs.length, 5);
    // NCNN's global pooling flattens: the output is a 1-D blob of 4.
    assert.deepEqual(report.outputs, [{ name: 'out', dtype: 'float32', shape: [4] }]);
    assert.deepEqual(
      report.layers.map((l) => [l.name, l.opType]),
      [
        ['data', 'Input'],
        ['conv1', 'Convolution'],
        ['relu1', 'ReLU'],
        ['dw1', 'ConvolutionDepthWise'],
        ['pool', 'Pooling'],
      ],
    );
    const bytes = readFileSync(out);
    const got = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
    const want = tinyReference(w, x);
    assert.equal(got.length, 4);
    for (let i = 0; i < 4; i++) assert.ok(Math.abs(got[i]! - want[i]!) < 1e-4, `output ${i}: ncnn ${got[i]} vs JS ${want[i]}`);
  });

  it('refuses a .bin of another size (exit 2, model_rejected), bad arguments (3), a missing input file (1)', () => {
    const short = join(dir, 'short.bin');
    writeFileSync(short, tinyBin(w).subarray(0, 150));
    const long = join(dir, 'long.bin');
    writeFileSync(long, Buffer.concat([tinyBin(w), Buffer.alloc(64)]));
    for (const b of [short, long]) {
      const r = runner(['--model', param, '--weights', b, '--input', `data:3x8x8:${input}`]);
      assert.equal(r.status, 2, r.stderr);
      assert.equal(errorLine(r.stderr).code, 'model_rejected');
    }
    // The API's upload check, from the .param alone, catches the short one; only loading finds the
    // long one within what quantized weights could take.
    const inspection = inspectNcnnParam(new TextEncoder().encode(TINY_PARAM));
    assert.ok(150 < inspection.weightBytes.min && 616 + 64 <= inspection.weightBytes.max!);

    const noWeights = runner(['--model', param, '--input', `data:3x8x8:${input}`]);
    assert.equal(noWeights.status, 3);
    assert.equal(errorLine(noWeights.stderr).code, 'bad_arguments');
    const badName = runner(['--model', param, '--weights', bin, '--input', `nope:3x8x8:${input}`]);
    assert.equal(badName.status, 3);
    const missing = runner(['--model', param, '--weights', bin, '--input', `data:3x8x8:${join(dir, 'absent.bin')}`]);
    assert.equal(missing.status, 1);
    assert.equal(errorLine(missing.stderr).code, 'io_error');
    const garbage = join(dir, 'garbage.param');
    writeFileSync(garbage, '7767517\n1 1\nNoSuchLayer x 0 1 data\n');
    const rejected = runner(['--model', garbage, '--weights', bin, '--input', `data:3x8x8:${input}`]);
    assert.equal(rejected.status, 2);
    // NCNN's own words travel in the message.
    assert.match(errorLine(rejected.stderr).message, /NoSuchLayer/);
  });
});

describeUnless(NO_NCNN_RUNNER || NO_ONNX2NCNN)('ncnn-runner on BlazeFace converted by the real onnx2ncnn, through the agent', () => {
  let files: { param: string; bin: string; folded: string };
  beforeAll(async () => {
    files = await convertOnnxToNcnn((await sampleModels()).onnx, dir, 'blazeface');
  });

  it('runs as an NCNN job: contract report, layer times that add up to an inference', async () => {
    const info = inspectNcnnParam(readFileSync(files.param)).info;
    const inputName = info.inputs[0]!.name;
    const device = await localDevice();
    try {
      // onnx2ncnn keeps BlazeFace's NHWC input as a 128x128x3 blob (C=128, H=128, W=3) ahead of its Transpose.
      const options = { threads: 1, warmupRuns: 3, timedRuns: 15, profileRuns: 9, seed: 7, inputShapes: { [inputName]: [128, 128, 3] } };
      const job = { device, modelPath: files.param, weightsPath: files.bin, inputs: info.inputs, outputs: info.outputs, options };
      const out = await new NcnnRunner(NCNN_RUNNER).run(job);
      RunnerOutputSchema.parse(out);
      assert.equal(out.framework, 'ncnn');
      assert.equal(out.layers.length, info.nodeCount);
      // Each layer timed once, in order, on one Extractor: the sum is one inference plus the extra
      // extract calls and in-place copies, so it lands near the end-to-end median.
      const sum = out.layers.reduce((s, l) => s + l.timeMs, 0);
      const med = median(out.latenciesMs);
      assert.ok(sum > med * 0.5 && sum < med * 2, `layer sum ${sum.toFixed(3)} ms vs median ${med.toFixed(3)} ms`);
      assert.equal((await new NcnnRunner(NCNN_RUNNER).run(job)).outputDigest, out.outputDigest);
    } finally {
      await LOCAL_TRANSPORT.cleanup(device.workspace);
    }
  });

  it('computes what ONNX Runtime computes on the same (folded) ONNX graph and input bytes', async () => {
    // NHWC [1,128,128,3] and NCNN's 128x128x3 blob have the same memory order: one input file serves both.
    const x = Float32Array.from({ length: 128 * 128 * 3 }, (_, i) => Math.sin(i * 0.01));
    const input = join(dir, 'bf-in.bin');
    writeFileSync(input, new Uint8Array(x.buffer));
    const out = join(dir, 'bf-out.bin');
    const r = runner(['--model', files.param, '--weights', files.bin, '--input', `input:0:128x128x3:${input}`, '--output', out, '--runs', '1']);
    assert.equal(r.status, 0, r.stderr);
    const report = NativeRunnerReportSchema.parse(JSON.parse(r.stdout.trim()));
    const bytes = readFileSync(out);
    const all = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);

    const session = await ort.InferenceSession.create(files.folded);
    const ref = await session.run({ 'input:0': new ort.Tensor('float32', x, [1, 128, 128, 3]) });
    await session.release();
    let at = 0;
    for (const o of report.outputs) {
      const n = o.shape.reduce((a, b) => a * b, 1);
      const got = all.subarray(at, at + n);
      at += n;
      const want = ref[o.name]!.data as Float32Array;
      assert.equal(n, want.length, `${o.name}: ncnn ${o.shape} vs ORT ${ref[o.name]!.dims}`);
      let maxErr = 0;
      let maxRef = 0;
      for (let i = 0; i < n; i++) {
        maxErr = Math.max(maxErr, Math.abs(got[i]! - want[i]!));
        maxRef = Math.max(maxRef, Math.abs(want[i]!));
      }
      assert.ok(maxErr <= 1e-3 * Math.max(1, maxRef), `${o.name}: max abs error ${maxErr} (max |ORT| ${maxRef})`);
    }
    assert.equal(at, all.length);
  });
});
