import { strict as assert } from 'node:assert';
import { describe, test } from '@jest/globals';
import { DomainError } from '@farm/contracts';
import { canonicalOpClass } from './canonical-op-class.js';
import { detectModelFormat, inspectModel, inspectUpload } from './inspect-model.js';
import { isCoreMlModel } from './coreml-model.js';
import { openMlPackage } from './mlpackage.js';
import type { CoreMlModelMetadata } from './coreml-model.js';
import {
  MIL_FIXTURE_OPS,
  NN_FIXTURE_LAYERS,
  coreMlNeuralNetwork,
  coreMlPipeline,
  coreMlProgram,
  hostileMlPackages,
  makeZip,
  mlPackageZip,
} from '../../../test/fixtures/coreml-fixtures.js';
import { sampleModels } from '../../../test/fixtures/model-fixtures.js';

const HOSTILE = hostileMlPackages();

async function rejectsWith(p: Promise<unknown>, code: string): Promise<DomainError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof DomainError, `expected a DomainError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected ${code}`);
}

describe('Core ML .mlmodel (built from the public protobuf spec)', () => {
  test('a neuralNetwork: spec version, image input, multi-array output, layers with depthwise and canonical classes', () => {
    const bytes = coreMlNeuralNetwork();
    assert.equal(detectModelFormat(bytes), 'coreml');
    const info = inspectModel(bytes);
    const meta = info.metadata as CoreMlModelMetadata;
    assert.equal(meta.specificationVersion, 4);
    assert.equal(meta.modelType, 'neuralNetwork');
    assert.equal(meta.container, 'mlmodel');
    assert.deepEqual(meta.inputs[0]!.image, { width: 64, height: 64, colorSpace: 'RGB' });
    assert.deepEqual(info.inputs, [{ name: 'image', dtype: 'uint8', shape: [1, 3, 64, 64] }]);
    assert.deepEqual(info.outputs, [{ name: 'scores', dtype: 'float32', shape: [1, 10] }]);
    assert.deepEqual(
      info.nodes.map((n) => [n.name, n.opType, n.depthwise]),
      NN_FIXTURE_LAYERS.map((l) => [l.name, l.opType, l.depthwise]),
    );
    assert.deepEqual(
      info.nodes.map((n) => canonicalOpClass(n.opType, { depthwise: n.depthwise })),
      NN_FIXTURE_LAYERS.map((l) => l.opClass),
    );
    assert.equal(info.opHistogram.convolution, 2);
  });

  test('an mlProgram: the MIL main function, opset, ops of nested blocks, consts left out', () => {
    const info = inspectModel(coreMlProgram());
    const meta = info.metadata as CoreMlModelMetadata;
    assert.equal(meta.modelType, 'mlProgram');
    assert.equal(meta.specificationVersion, 8);
    assert.equal(meta.milOpset, 'CoreML7');
    assert.deepEqual(info.inputs, [{ name: 'input', dtype: 'float16', shape: [1, 3, 32, 32] }]);
    assert.deepEqual(
      info.nodes.map((n) => [n.name, n.opType]),
      MIL_FIXTURE_OPS.map((o) => [o.name, o.opType]),
    );
    assert.deepEqual(
      info.nodes.map((n) => canonicalOpClass(n.opType)),
      MIL_FIXTURE_OPS.map((o) => o.opClass),
    );
    assert.equal(info.opHistogram.const, undefined);
  });

  test('a pipeline: sub-model types and their layers, prefixed by the pipeline names', () => {
    const info = inspectModel(coreMlPipeline());
    const meta = info.metadata as CoreMlModelMetadata;
    assert.equal(meta.modelType, 'pipeline');
    assert.deepEqual(meta.pipelineModels, ['neuralNetwork', 'neuralNetwork']);
    assert.equal(info.nodeCount, NN_FIXTURE_LAYERS.length * 2);
    assert.equal(info.nodes[0]!.name, 'backbone/conv1');
    assert.equal(info.nodes[NN_FIXTURE_LAYERS.length]!.name, 'head/conv1');
  });

  test('no real ONNX or TFLite model is taken for Core ML, and a cut-short .mlmodel is not either', async () => {
    const s = await sampleModels();
    assert.equal(isCoreMlModel(s.onnx), false);
    assert.equal(isCoreMlModel(s.tflite), false);
    assert.equal(detectModelFormat(s.onnx), 'onnx');
    const cut = coreMlNeuralNetwork().subarray(0, 40);
    assert.equal(isCoreMlModel(cut), false);
  });
});

describe('Core ML .mlpackage (zipped package directory)', () => {
  test('is detected from content and inspected through its manifest root model', async () => {
    const zip = mlPackageZip();
    assert.equal(detectModelFormat(zip), 'coreml');
    const info = await inspectUpload(zip);
    const meta = info.metadata as CoreMlModelMetadata;
    assert.equal(meta.container, 'mlpackage');
    assert.equal(meta.modelType, 'mlProgram');
    const pkg = await openMlPackage(zip);
    assert.equal(pkg.folder, 'Model.mlpackage');
    assert.equal(pkg.modelPath, 'Data/com.apple.CoreML/model.mlmodel');
    assert.ok(pkg.files.some((f) => f.path === 'Data/com.apple.CoreML/weights/weight.bin'));
  });

  test.each(Object.keys(HOSTILE))('a hostile archive (%s) is refused with MODEL_ARCHIVE_UNSAFE', async (name) => {
    const e = await rejectsWith(inspectUpload(HOSTILE[name]!), 'MODEL_ARCHIVE_UNSAFE');
    assert.match(e.message, /refused/);
  });

  test('too many entries are refused before anything is inflated', async () => {
    const many = mlPackageZip(
      coreMlProgram(),
      Array.from({ length: 40 }, (_, i) => ({ name: `Model.mlpackage/Data/f${i}`, data: new Uint8Array([i]) })),
    );
    await rejectsWith(openMlPackage(many, { maxEntries: 20, maxTotalBytes: 1 << 30, maxRatio: 100 }), 'MODEL_ARCHIVE_UNSAFE');
  });

  test('a zip that is not a package, or names a missing root model, is MODEL_INVALID', async () => {
    await rejectsWith(inspectUpload(makeZip([{ name: 'notes.txt', data: new TextEncoder().encode('hi') }])), 'MODEL_INVALID');
    const noModel = makeZip([
      {
        name: 'M.mlpackage/Manifest.json',
        data: new TextEncoder().encode(JSON.stringify({ rootModelIdentifier: 'x', itemInfoEntries: { x: { path: 'com.apple.CoreML/model.mlmodel' } } })),
      },
    ]);
    await rejectsWith(inspectUpload(noModel), 'MODEL_INVALID');
    await rejectsWith(inspectUpload(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3])), 'MODEL_INVALID');
  });
});
