// The verdicts the API shows beside each model (libs/model-inspect's framework-verdicts.ts) against
// what really happens when each engine runs the artifact: the sample models and graphs built here.
// runnable must run, not_runnable must be refused by the engine; unknown is printed, either way.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import onnxProto from 'onnx-proto';
import { isQuantizedOnnx, type BenchmarkOptions, type Framework, type TensorSpec } from '@farm/contracts';
import { frameworkVerdicts, inspectModel, type CustomOp } from '@farm/model-inspect';
import { sampleRateBranchOnnx } from '../../../../test/fixtures/onnx-fixtures.js';
import { tfliteCustomOp } from '../../../../test/fixtures/tflite-fixtures.js';
import { ensureOpencvRunner, ensureSampleModels, LOCAL_TRANSPORT, localDevice, QUICK, SAMPLE, tempDir } from '../../../../test/fixtures/runner-fixtures.js';
import { NativeInt8Runner } from './native-int8.runner.js';
import { OnnxruntimeRunner } from './onnxruntime.runner.js';
import { OpencvDnnRunner } from './opencv-dnn.runner.js';
import { RunnerError, type DeviceTarget, type Runner } from './runner.js';
import { TfliteRunner } from './tflite.runner.js';

const { onnx } = onnxProto;

/** Relu, then an op of a domain no engine here registers. */
function foreignDomainOnnx(): Uint8Array {
  const vi = (name: string) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }, { dimValue: 4 }] } } } });
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [
        { domain: '', version: 13 },
        { domain: 'com.example', version: 1 },
      ],
      graph: {
        name: 'foreign',
        node: [
          { opType: 'Relu', name: 'r', input: ['x'], output: ['t'] },
          { opType: 'FancyNorm', domain: 'com.example', name: 'f', input: ['t'], output: ['y'] },
        ],
        input: [vi('x')],
        output: [vi('y')],
      },
    }),
  ).finish();
}

describe('verdicts against real runs (ORT, TFLite, OpenCV DNN, native-int8)', () => {
  let device: DeviceTarget;
  let dir: string;
  let runners: Partial<Record<Framework, Runner>>;
  const outcomes: string[] = [];
  beforeAll(async () => {
    device = await localDevice();
    ensureSampleModels();
    dir = tempDir();
    runners = {
      onnxruntime: new OnnxruntimeRunner(),
      tflite: new TfliteRunner(),
      'opencv-dnn': new OpencvDnnRunner(ensureOpencvRunner()),
      'native-int8': new NativeInt8Runner(),
    };
  });
  afterAll(async () => {
    console.log(`verdict vs run:\n${outcomes.join('\n')}`);
    rmSync(dir, { recursive: true, force: true });
    await LOCAL_TRANSPORT.cleanup(device.workspace);
  });

  const models: { name: string; file: () => string; options?: Partial<BenchmarkOptions> }[] = [
    { name: 'blazeface.onnx (sample)', file: () => SAMPLE.blazefaceOnnx },
    { name: 'face_detection_short_range.tflite (sample)', file: () => SAMPLE.blazefaceTflite },
    {
      name: 'sample-rate-branch.onnx (If)',
      file: () => write('branch.onnx', sampleRateBranchOnnx()),
      options: { inputs: { sr: { kind: 'constant', value: 16000 } } },
    },
    { name: 'custom-op.tflite', file: () => write('custom.tflite', tfliteCustomOp('FarmCustomOp')) },
    { name: 'foreign-domain.onnx', file: () => write('foreign.onnx', foreignDomainOnnx()) },
  ];
  const write = (name: string, bytes: Uint8Array) => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };

  it.each(models)('$name: every runnable verdict runs, every not_runnable one is refused by the engine', async (m) => {
    const path = m.file();
    const info = inspectModel(readFileSync(path));
    const meta = info.metadata as { customOps: CustomOp[]; opset?: number | null };
    const verdicts = frameworkVerdicts({
      format: info.format,
      opHistogram: info.opHistogram,
      customOps: meta.customOps,
      opset: meta.opset ?? null,
      quantized: info.format === 'onnx' && isQuantizedOnnx(info.opHistogram),
      inputs: info.inputs,
    });
    let checked = 0;
    for (const v of verdicts) {
      const runner = runners[v.framework];
      if (!runner) continue;
      const inputs: TensorSpec[] = info.inputs;
      const run = runner.run({ device, modelPath: path, inputs, outputs: [], options: { ...QUICK, profileRuns: 0, timedRuns: 2, ...m.options } });
      const outcome = await run.then(
        () => 'ran',
        (e: unknown) => (e instanceof RunnerError ? `refused (${e.code}${e.permanent ? ', not retried' : ''})` : `failed: ${String(e)}`),
      );
      outcomes.push(`  ${m.name} / ${v.framework}: verdict ${v.verdict}${v.reasons[0] ? ` (${v.reasons[0].why})` : ''} -> ${outcome}`);
      if (v.verdict === 'runnable') assert.equal(outcome, 'ran', `${v.framework} on ${m.name}`);
      if (v.verdict === 'not_runnable')
        assert.match(outcome, /^refused \((RUNNER_MODEL_REJECTED|VALIDATION_FAILED), not retried\)$/, `${v.framework} on ${m.name}`);
      checked++;
    }
    assert.ok(checked > 0);
  });
});
