import { describe, it, beforeAll } from '@jest/globals';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DomainError, TensorSpecSchema } from '@farm/contracts';
import { canonicalOpClass, checkNcnnWeights, detectModelFormat, inspectModel, inspectNcnnParam } from './index.js';
import { describeUnless } from '../../../test/fixtures/skip.js';
import { sampleModels } from '../../../test/fixtures/model-fixtures.js';
import { convertOnnxToNcnn, NO_ONNX2NCNN, TINY_PARAM, tinyBin, tinyParamBinary, tinyWeights } from '../../../test/fixtures/ncnn-fixtures.js';

const text = (s: string) => new TextEncoder().encode(s);

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DomainError, `expected a DomainError, got ${String(e)}`);
    return e.code;
  }
  assert.fail('expected a DomainError');
}

describe('NCNN text .param', () => {
  it('is detected as ncnn from its magic', () => {
    assert.equal(detectModelFormat(text(TINY_PARAM)), 'ncnn');
  });

  it('lists layers in order, the input shape as C x H x W, unconsumed blobs as outputs', () => {
    const info = inspectModel(text(TINY_PARAM));
    assert.equal(info.format, 'ncnn');
    assert.deepEqual(info.inputs, [{ name: 'data', dtype: 'float32', shape: [3, 8, 8] }]);
    assert.deepEqual(info.outputs, [{ name: 'out', dtype: 'float32', shape: [] }]);
    assert.deepEqual(
      info.nodes.map((n) => [n.name, n.opType, n.depthwise]),
      [
        ['data', 'Input', false],
        ['conv1', 'Convolution', false],
        ['relu1', 'ReLU', false],
        ['dw1', 'ConvolutionDepthWise', true],
        ['pool', 'Pooling', false],
      ],
    );
    assert.deepEqual(info.opHistogram, { Input: 1, Convolution: 1, ReLU: 1, ConvolutionDepthWise: 1, Pooling: 1 });
    assert.equal(info.parameterCount, 108 + 4 + 36 + 4);
    assert.deepEqual(info.metadata, { format: 'ncnn', paramEncoding: 'text', layerCount: 5, blobCount: 5 });
    for (const t of [...info.inputs, ...info.outputs]) TensorSpecSchema.parse(t);
  });

  it('maps its layer types onto the canonical op classes', () => {
    const info = inspectModel(text(TINY_PARAM));
    const classes = info.nodes.map((n) => canonicalOpClass(n.opType, { depthwise: n.depthwise }));
    assert.deepEqual(classes, ['other', 'conv', 'activation', 'depthwise_conv', 'pool']);
  });

  it('accepts the fp32 .bin the param reads and refuses one of another size', () => {
    const inspection = inspectNcnnParam(text(TINY_PARAM));
    const bin = tinyBin(tinyWeights());
    // Tagged conv weights (4 + 108*4) + bias (16), tagged depthwise weights (4 + 36*4) + bias (16).
    assert.equal(bin.length, 616);
    assert.equal(inspection.weightBytes.min <= 616 && 616 <= inspection.weightBytes.max!, true);
    checkNcnnWeights(inspection, bin.length);
    assert.equal(
      code(() => checkNcnnWeights(inspection, 100)),
      'MODEL_INVALID',
    );
    assert.equal(
      code(() => checkNcnnWeights(inspection, 1_000_000)),
      'MODEL_INVALID',
    );
  });

  it('checks only the lower bound when a layer has weights it does not know', () => {
    const withUnknown = TINY_PARAM.replace('5 5', '6 6') + 'LayerNorm ln 1 1 out ln 0=4\n';
    const inspection = inspectNcnnParam(text(withUnknown));
    assert.equal(inspection.weightBytes.max, null);
    checkNcnnWeights(inspection, 1_000_000);
    assert.equal(
      code(() => checkNcnnWeights(inspection, 100)),
      'MODEL_INVALID',
    );
  });

  it('reads array values (-23300 keys) without tripping over them', () => {
    const p = TINY_PARAM.replace('5 5', '6 6') + 'Reshape shape 1 1 out flat -23300=2,4,1\n';
    assert.deepEqual(inspectModel(text(p)).opHistogram.Reshape, 1);
  });

  it('refuses a cut-short or malformed .param with a 4xx code', () => {
    assert.equal(
      code(() => inspectModel(text('7767517\n'))),
      'MODEL_TRUNCATED',
    );
    assert.equal(
      code(() => inspectModel(text(TINY_PARAM.split('\n').slice(0, 4).join('\n')))),
      'MODEL_TRUNCATED',
    );
    assert.equal(
      code(() => inspectModel(text(TINY_PARAM.replace('5 5', '3 5')))),
      'MODEL_INVALID',
    );
    assert.equal(
      code(() => inspectModel(text(TINY_PARAM.replace('0=8', '0=eight')))),
      'MODEL_INVALID',
    );
    assert.equal(
      code(() => inspectModel(text(TINY_PARAM.replace('1 1 data conv1', '1 3 data conv1')))),
      'MODEL_INVALID',
    );
  });

  it('does not take a .bin (no magic) for a model', () => {
    assert.equal(
      code(() => detectModelFormat(tinyBin(tinyWeights()))),
      'MODEL_FORMAT_UNKNOWN',
    );
  });
});

describe('NCNN binary .param', () => {
  it('is detected and read: counts, graph shape, layer types as registry numbers', () => {
    const bytes = tinyParamBinary();
    assert.equal(detectModelFormat(bytes), 'ncnn');
    const info = inspectModel(bytes);
    assert.deepEqual(info.metadata, { format: 'ncnn', paramEncoding: 'binary', layerCount: 5, blobCount: 5 });
    assert.deepEqual(Object.keys(info.opHistogram), ['#16', '#6', '#26', '#42', '#21']);
    assert.deepEqual(info.inputs, []);
    assert.deepEqual(info.outputs, [{ name: 'blob4', dtype: 'float32', shape: [] }]);
  });

  it('reports a cut-short binary .param as truncated', () => {
    const bytes = tinyParamBinary();
    assert.equal(
      code(() => inspectModel(bytes.subarray(0, bytes.length - 8))),
      'MODEL_TRUNCATED',
    );
  });
});

describeUnless(NO_ONNX2NCNN)('NCNN .param converted by the real onnx2ncnn (BlazeFace)', () => {
  let param: Uint8Array;
  let bin: Uint8Array;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'farm-onnx2ncnn-'));
    try {
      const files = await convertOnnxToNcnn((await sampleModels()).onnx, dir, 'blazeface');
      param = readFileSync(files.param);
      bin = readFileSync(files.bin);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is read: conv and depthwise layers, an input without a declared shape, four outputs, a .bin in range', () => {
    const inspection = inspectNcnnParam(param);
    const { info } = inspection;
    assert.equal(info.format, 'ncnn');
    assert.equal(info.inputs.length, 1);
    assert.deepEqual(info.inputs[0]!.shape, ['C', 'H', 'W']);
    assert.equal(info.opHistogram.Convolution, 21);
    assert.equal(info.opHistogram.ConvolutionDepthWise, 16);
    assert.equal(info.nodes.filter((n) => n.depthwise).length, 16);
    assert.deepEqual(info.outputs.map((o) => o.name).sort(), ['Identity:0', 'Identity_1:0', 'Identity_2:0', 'Identity_3:0']);
    assert.equal(info.nodeCount, (info.metadata as { layerCount: number }).layerCount);
    // Every layer onnx2ncnn wrote for it has weights the inspector knows, so the .bin is bounded on both sides.
    assert.notEqual(inspection.weightBytes.max, null);
    checkNcnnWeights(inspection, bin.length);
  });
});
