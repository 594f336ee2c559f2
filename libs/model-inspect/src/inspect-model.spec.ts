import { describe, it, beforeAll } from '@jest/globals';
import { describeUnless } from '../../../test/fixtures/skip.js';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { DomainError, TensorSpecSchema } from '@farm/contracts';
import { detectModelFormat, inspectModel } from './index.js';
import { CONFORMANCE_DIR, HAS_CONFORMANCE_DATA, conformanceModel, sampleModels, type SampleModels } from '../../../test/fixtures/model-fixtures.js';

let models: SampleModels;
beforeAll(async () => {
  models = await sampleModels();
});

const NO_CONFORMANCE = HAS_CONFORMANCE_DATA ? false : `ONNX conformance data missing at ${CONFORMANCE_DIR} (apt-get install libonnx-testdata)`;

describe('BlazeFace ONNX (front, 128x128, tf2onnx)', () => {
  it('is detected as onnx from its bytes', () => {
    assert.equal(detectModelFormat(models.onnx), 'onnx');
  });

  it('has the NHWC float input input:0 and four outputs', () => {
    const info = inspectModel(models.onnx);
    assert.equal(info.format, 'onnx');
    assert.deepEqual(info.inputs, [{ name: 'input:0', dtype: 'float32', shape: [1, 128, 128, 3] }]);
    assert.deepEqual(info.outputs, [
      { name: 'Identity:0', dtype: 'float32', shape: [1, 512, 1] },
      { name: 'Identity_1:0', dtype: 'float32', shape: [1, 384, 1] },
      { name: 'Identity_2:0', dtype: 'float32', shape: [1, 512, 16] },
      { name: 'Identity_3:0', dtype: 'float32', shape: [1, 384, 16] },
    ]);
  });

  it('has the real op histogram, 16 depthwise convs and its producer/opset', () => {
    const info = inspectModel(models.onnx);
    assert.deepEqual(info.opHistogram, {
      Transpose: 5,
      Conv: 37,
      Relu: 17,
      Add: 16,
      ConstantOfShape: 11,
      Concat: 11,
      MaxPool: 3,
      Reshape: 4,
    });
    assert.equal(info.nodeCount, 104);
    assert.equal(info.nodes.length, 104);
    const depthwise = info.nodes.filter((n) => n.depthwise);
    assert.equal(depthwise.length, 16);
    assert.ok(depthwise.every((n) => n.opType === 'Conv' && n.name.endsWith('/depthwise')));
    assert.deepEqual(info.nodes[1], { name: 'StatefulPartitionedCall/functional_1/conv2d/BiasAdd', opType: 'Conv', depthwise: false });
    assert.equal(info.parameterCount, 100472);
    assert.deepEqual(info.metadata, {
      format: 'onnx',
      irVersion: 7,
      producerName: 'tf2onnx',
      producerVersion: '1.7.2',
      opsets: [{ domain: '', version: 12 }],
      opset: 12,
      customOps: [],
    });
  });

  it('reads the 256x256 back-camera variant too', () => {
    const info = inspectModel(models.onnx256);
    assert.deepEqual(info.inputs, [{ name: 'input:0', dtype: 'float32', shape: [1, 256, 256, 3] }]);
    assert.equal(info.opHistogram['Conv'], 69);
    assert.equal(info.nodes.filter((n) => n.depthwise).length, 32);
  });
});

describe('MediaPipe face detection TFLite', () => {
  it('short range: detected as tflite, input [1,128,128,3], real op histogram', () => {
    assert.equal(detectModelFormat(models.tflite), 'tflite');
    const info = inspectModel(models.tflite);
    assert.equal(info.format, 'tflite');
    assert.deepEqual(info.inputs, [{ name: 'input', dtype: 'float32', shape: [1, 128, 128, 3] }]);
    assert.deepEqual(info.outputs, [
      { name: 'regressors', dtype: 'float32', shape: [1, 896, 16] },
      { name: 'classificators', dtype: 'float32', shape: [1, 896, 1] },
    ]);
    assert.deepEqual(info.opHistogram, {
      DEQUANTIZE: 74,
      CONV_2D: 21,
      RELU: 17,
      DEPTHWISE_CONV_2D: 16,
      ADD: 16,
      PAD: 11,
      MAX_POOL_2D: 3,
      RESHAPE: 4,
      CONCATENATION: 2,
    });
    assert.equal(info.nodeCount, 164);
    assert.equal(info.nodes.filter((n) => n.depthwise).length, 16);
    assert.ok(info.nodes.filter((n) => n.depthwise).every((n) => n.opType === 'DEPTHWISE_CONV_2D'));
    assert.deepEqual(info.nodes[2], { name: 'conv2d', opType: 'CONV_2D', depthwise: false, outputShape: [1, 64, 64, 24] });
    assert.equal(info.parameterCount, 101478);
    assert.deepEqual(info.metadata, {
      format: 'tflite',
      schemaVersion: 3,
      description: 'keras2tflite_facedetector-front.tflite.generated',
      subgraphCount: 1,
      customOps: [],
    });
  });

  it('full range: input [1,192,192,3] with bilinear resizes', () => {
    const info = inspectModel(models.tfliteFullRange);
    assert.deepEqual(info.inputs, [{ name: 'input', dtype: 'float32', shape: [1, 192, 192, 3] }]);
    assert.equal(info.opHistogram['RESIZE_BILINEAR'], 3);
    assert.equal(info.opHistogram['DEPTHWISE_CONV_2D'], 40);
  });

  it('full range sparse: DENSIFY and DEPTH_TO_SPACE are named', () => {
    const info = inspectModel(models.tfliteSparse);
    assert.deepEqual(info.inputs, [{ name: 'input_1', dtype: 'float32', shape: [1, 192, 192, 3] }]);
    assert.equal(info.opHistogram['DENSIFY'], 46);
    assert.equal(info.opHistogram['DEPTH_TO_SPACE'], 2);
    assert.ok(!Object.keys(info.opHistogram).some((op) => op.startsWith('BUILTIN_')));
  });
});

describe('contract', () => {
  it('inputs and outputs of every sample model pass the shared TensorSpec schema', () => {
    for (const bytes of [models.onnx, models.onnx256, models.tflite, models.tfliteFullRange, models.tfliteSparse]) {
      const info = inspectModel(bytes);
      for (const spec of [...info.inputs, ...info.outputs]) assert.deepEqual(TensorSpecSchema.parse(spec), spec);
    }
  });
});

describeUnless(NO_CONFORMANCE)('ONNX conformance models', () => {
  it('Conv with weights as a graph input: both are inputs, not depthwise', () => {
    const info = inspectModel(conformanceModel('test_conv_with_strides_padding'));
    assert.deepEqual(info.inputs, [
      { name: 'x', dtype: 'float32', shape: [1, 1, 7, 5] },
      { name: 'W', dtype: 'float32', shape: [1, 1, 3, 3] },
    ]);
    assert.deepEqual(info.outputs, [{ name: 'y', dtype: 'float32', shape: [1, 1, 4, 3] }]);
    assert.deepEqual(info.nodes, [{ name: 'y', opType: 'Conv', depthwise: false }]);
    assert.equal(info.parameterCount, 0);
  });

  it('QLinearConv: uint8 tensors and scalar scales', () => {
    const info = inspectModel(conformanceModel('test_qlinearconv'));
    assert.deepEqual(info.opHistogram, { QLinearConv: 1 });
    assert.equal(info.inputs.length, 8);
    assert.deepEqual(info.inputs[0], { name: 'x', dtype: 'uint8', shape: [1, 1, 7, 7] });
    assert.deepEqual(info.inputs[1], { name: 'x_scale', dtype: 'float32', shape: [] });
    assert.deepEqual(info.outputs, [{ name: 'y', dtype: 'uint8', shape: [1, 1, 7, 7] }]);
  });

  it('ConvInteger produces int32', () => {
    const info = inspectModel(conformanceModel('test_convinteger_with_padding'));
    assert.deepEqual(info.opHistogram, { ConvInteger: 1 });
    assert.deepEqual(info.outputs, [{ name: 'y', dtype: 'int32', shape: [1, 1, 4, 4] }]);
  });

  it('Gemm, MaxPool, Resize and QuantizeLinear models keep their op types and opsets', () => {
    const cases: [string, string, number][] = [
      ['test_gemm_default_matrix_bias', 'Gemm', 13],
      ['test_maxpool_2d_default', 'MaxPool', 12],
      ['test_resize_upsample_scales_nearest', 'Resize', 13],
      ['test_quantizelinear', 'QuantizeLinear', 13],
    ];
    for (const [test, op, opset] of cases) {
      const info = inspectModel(conformanceModel(test));
      assert.deepEqual(info.opHistogram, { [op]: 1 }, test);
      assert.equal(info.metadata.format === 'onnx' && info.metadata.opset, opset, test);
    }
  });

  it('every conformance model either inspects or fails with a DomainError', () => {
    const tests = readdirSync(CONFORMANCE_DIR);
    assert.ok(tests.length > 100);
    let inspected = 0;
    for (const test of tests) {
      let bytes: Uint8Array;
      try {
        bytes = conformanceModel(test);
      } catch {
        continue;
      }
      try {
        const info = inspectModel(bytes);
        assert.equal(
          info.nodeCount,
          Object.values(info.opHistogram).reduce((a, b) => a + b, 0),
          test,
        );
        inspected++;
      } catch (e) {
        assert.ok(e instanceof DomainError, `${test}: ${String(e)}`);
      }
    }
    assert.ok(inspected > 100);
  });
});
