import { describe, it } from '@jest/globals';
import assert from 'node:assert/strict';
import onnxProto from 'onnx-proto';
import { DomainError } from '@farm/contracts';
import { detectModelFormat, inspectModel } from './index.js';
import { scanModelProto } from './onnx-model.js';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;

function valueInfo(name: string, elemType: number, dims: (number | string | null)[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : typeof d === 'string' ? { dimParam: d } : {})) },
      },
    },
  };
}

function initializer(name: string, dims: number[], extra: Partial<onnxProto.onnx.ITensorProto> = {}): onnxProto.onnx.ITensorProto {
  return { name, dims, dataType: FLOAT, rawData: new Uint8Array(4 * dims.reduce((a, b) => a * b, 1)), ...extra };
}

function conv(name: string, input: string[], group?: number): onnxProto.onnx.INodeProto {
  return {
    name,
    opType: 'Conv',
    input,
    output: [`${name}_out`],
    attribute: group === undefined ? [] : [{ name: 'group', type: onnx.AttributeProto.AttributeType.INT, i: group }],
  };
}

function encode(model: onnxProto.onnx.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

function model(graph: onnxProto.onnx.IGraphProto, extra: Partial<onnxProto.onnx.IModelProto> = {}): Uint8Array {
  return encode({ irVersion: 8, producerName: 'unit-test', opsetImport: [{ domain: '', version: 17 }], graph, ...extra });
}

function errorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DomainError, String(e));
    return e.code;
  }
  return 'none';
}

describe('ONNX inspection of hand-built graphs', () => {
  it('reports dynamic dims as dim_param strings or null, and drops initializers listed as inputs', () => {
    const bytes = model({
      name: 'g',
      input: [valueInfo('images', FLOAT, ['batch', 3, null, 224]), valueInfo('w', FLOAT, [8, 3, 3, 3])],
      output: [valueInfo('out', onnx.TensorProto.DataType.INT64, ['batch', 8])],
      initializer: [initializer('w', [8, 3, 3, 3])],
      node: [conv('c', ['images', 'w'])],
    });
    assert.equal(detectModelFormat(bytes), 'onnx');
    const info = inspectModel(bytes);
    assert.deepEqual(info.inputs, [{ name: 'images', dtype: 'float32', shape: ['batch', 3, null, 224] }]);
    assert.deepEqual(info.outputs, [{ name: 'out', dtype: 'int64', shape: ['batch', 8] }]);
    assert.equal(info.parameterCount, 8 * 3 * 3 * 3);
  });

  it('marks Conv depthwise when group equals the channel count from the weight initializer', () => {
    const bytes = model({
      input: [valueInfo('x', FLOAT, [1, 32, 16, 16])],
      output: [valueInfo('grouped_out', FLOAT, [1, 32, 16, 16])],
      initializer: [initializer('dw_w', [32, 1, 3, 3]), initializer('pw_w', [64, 32, 1, 1]), initializer('g_w', [32, 8, 3, 3])],
      node: [conv('dw', ['x', 'dw_w'], 32), conv('pw', ['dw_out', 'pw_w']), conv('grouped', ['x', 'g_w'], 4)],
    });
    const info = inspectModel(bytes);
    assert.deepEqual(
      info.nodes.map((n) => [n.name, n.depthwise]),
      [
        ['dw', true],
        ['pw', false],
        ['grouped', false],
      ],
    );
  });

  it('finds the weight shape behind a DequantizeLinear (QDQ models) and for weights fed as inputs', () => {
    const bytes = model({
      input: [valueInfo('x', FLOAT, [1, 16, 8, 8]), valueInfo('w_in', FLOAT, [16, 1, 3, 3])],
      output: [valueInfo('b_out', FLOAT, [1, 16, 8, 8])],
      initializer: [initializer('w_q', [16, 1, 3, 3], { dataType: onnx.TensorProto.DataType.INT8 }), initializer('w_s', [])],
      node: [{ name: 'dq', opType: 'DequantizeLinear', input: ['w_q', 'w_s'], output: ['w_f'] }, conv('a', ['x', 'w_f'], 16), conv('b', ['a_out', 'w_in'], 16)],
    });
    const info = inspectModel(bytes);
    assert.deepEqual(
      info.nodes.filter((n) => n.opType === 'Conv').map((n) => n.depthwise),
      [true, true],
    );
  });

  it('falls back to the data input channel dim when no weight shape is known', () => {
    const bytes = model({
      input: [valueInfo('x', FLOAT, [1, 8, 4, 4]), valueInfo('w', FLOAT, [])],
      output: [valueInfo('c_out', FLOAT, [1, 8, 4, 4])],
      node: [conv('c', ['x', 'w'], 8)],
    });
    assert.equal(inspectModel(bytes).nodes[0]!.depthwise, true);
  });

  it('names unnamed nodes after their first output', () => {
    const bytes = model({
      input: [valueInfo('x', FLOAT, [1])],
      output: [valueInfo('y', FLOAT, [1])],
      node: [{ opType: 'Relu', input: ['x'], output: ['y'] }],
    });
    assert.deepEqual(inspectModel(bytes).nodes, [{ name: 'y', opType: 'Relu', depthwise: false }]);
  });

  it('rejects external data, empty graphs and graph-less models as MODEL_INVALID', () => {
    const external = model({
      input: [valueInfo('x', FLOAT, [1, 4])],
      output: [valueInfo('y', FLOAT, [1, 2])],
      initializer: [
        {
          name: 'w',
          dims: [4, 2],
          dataType: FLOAT,
          dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
          externalData: [{ key: 'location', value: 'weights.bin' }],
        },
      ],
      node: [{ opType: 'MatMul', input: ['x', 'w'], output: ['y'] }],
    });
    assert.equal(
      errorCode(() => inspectModel(external)),
      'MODEL_INVALID',
    );
    assert.match(
      String(
        (() => {
          try {
            inspectModel(external);
          } catch (e) {
            return (e as Error).message;
          }
        })(),
      ),
      /external data/,
    );

    const empty = model({ name: 'empty', input: [], output: [], node: [] });
    assert.equal(
      errorCode(() => inspectModel(empty)),
      'MODEL_INVALID',
    );
    assert.equal(
      errorCode(() => detectModelFormat(empty)),
      'MODEL_INVALID',
    );

    const noGraph = encode({ irVersion: 8, producerName: 'x', opsetImport: [{ domain: '', version: 17 }] });
    assert.equal(
      errorCode(() => inspectModel(noGraph)),
      'MODEL_INVALID',
    );
  });

  it('treats a protobuf that only shares ir_version with ONNX as a foreign format', () => {
    // Same top-level shape as a TF SavedModel: field 1 varint, field 2 bytes.
    const savedModelLike = new Uint8Array([0x08, 0x01, 0x12, 0x03, 0x0a, 0x01, 0x41]);
    assert.equal(
      errorCode(() => detectModelFormat(savedModelLike)),
      'MODEL_FORMAT_UNKNOWN',
    );
    // A frozen GraphDef starts with field 1 as a message, which cannot be ir_version.
    const graphDef = new Uint8Array([0x0a, 0x05, 0x0a, 0x01, 0x78, 0x12, 0x00]);
    assert.equal(
      errorCode(() => detectModelFormat(graphDef)),
      'MODEL_FORMAT_UNKNOWN',
    );
  });

  it('scanModelProto distinguishes complete, truncated and foreign input', () => {
    const bytes = model({ input: [valueInfo('x', FLOAT, [1])], output: [valueInfo('y', FLOAT, [1])], node: [{ opType: 'Relu', input: ['x'], output: ['y'] }] });
    assert.equal(scanModelProto(bytes).kind, 'complete');
    assert.equal(scanModelProto(bytes).irVersion, 8);
    assert.equal(scanModelProto(bytes.subarray(0, bytes.length - 3)).kind, 'truncated');
    assert.equal(scanModelProto(new TextEncoder().encode('hello world')).kind, 'foreign');
    assert.equal(scanModelProto(new Uint8Array([0x08, 0x00])).kind, 'foreign');
  });

  it('a corrupt nested message under an intact top level is MODEL_INVALID, not truncated', () => {
    const bytes = Uint8Array.from(
      model({ input: [valueInfo('x', FLOAT, [1])], output: [valueInfo('y', FLOAT, [1])], node: [{ opType: 'Relu', input: ['x'], output: ['y'] }] }),
    );
    // The graph field (tag 0x3a) keeps its length; its first byte becomes an end-group tag of an unknown field, which protobuf rejects.
    const graphAt = bytes.indexOf(0x3a);
    assert.ok(bytes[graphAt + 1]! < 0x80, 'graph length fits one varint byte');
    bytes[graphAt + 2] = 0x7c;
    assert.equal(
      errorCode(() => inspectModel(bytes)),
      'MODEL_INVALID',
    );
  });
});
