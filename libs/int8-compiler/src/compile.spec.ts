/**
 * Compiler behaviour: unsupported ops, shape-chain folding, the plan file layout demanded by
 * PLAN_FORMAT.md, and the QOperator path (including ONNX Runtime's com.microsoft QLinear ops)
 * checked against ONNX Runtime.
 */
import { test } from '@jest/globals';
import { testUnless } from '../../../test/fixtures/skip.js';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { DomainError } from '@farm/contracts';
import { A, OnnxGraph } from './onnx/onnx-graph.js';
import { makeTensor } from './onnx/onnx-proto.js';
import { compileToPlan } from './compile.js';
import { quantizeOnnx } from './quantizer/quantize.js';
import { agreement } from './agreement.js';
import { runPlan } from './runner/int8-runner.js';
import { buildMobileNetV2 } from './testing/mobilenetv2-builder.js';
import { outputSteps, readPlan } from '../../../test/fixtures/int8/plan-inspect.js';
import { syntheticImage } from './testing/synthetic-images.js';
import { mulberry32 } from './quantizer/calibration.js';
import { runnerSkip, tempDir } from '../../../test/fixtures/int8/test-env.js';

function tinyGraph(build: (g: OnnxGraph) => void): OnnxGraph {
  const g = new OnnxGraph();
  g.opset = 13;
  build(g);
  return g;
}

test('compiler: an unsupported op is a DomainError naming the op type and the node', () => {
  const g = tinyGraph((g) => {
    g.inputs = ['x'];
    g.types.set('x', { dtype: 'float32', shape: [1, 4] });
    g.nodes.push({ name: 'my_sine', opType: 'Sin', domain: '', inputs: ['x'], outputs: ['y'], attrs: {} });
    g.outputs = ['y'];
    g.types.set('y', { dtype: 'float32', shape: [1, 4] });
  });
  assert.throws(
    () => compileToPlan(g.toBytes(), tempDir('unsup-'), 'u'),
    (e: unknown) => {
      assert.ok(e instanceof DomainError);
      assert.equal(e.code, 'FRAMEWORK_UNSUPPORTED');
      assert.match(e.message, /Sin/);
      assert.match(e.message, /node "my_sine"/);
      return true;
    },
  );
});

test('compiler: a float Conv without Q/DQ is refused (the runtime has no float conv)', () => {
  const g = tinyGraph((g) => {
    g.inputs = ['x'];
    g.types.set('x', { dtype: 'float32', shape: [1, 1, 4, 4] });
    g.constants.set('w', makeTensor('float32', [1, 1, 3, 3], new Array(9).fill(0.1)));
    g.nodes.push({ name: 'conv0', opType: 'Conv', domain: '', inputs: ['x', 'w'], outputs: ['y'], attrs: {} });
    g.outputs = ['y'];
  });
  assert.throws(() => compileToPlan(g.toBytes(), tempDir('fconv-'), 'f'), /Conv \(node "conv0"\)/);
});

testUnless(runnerSkip())('compiler: Shape/Gather/Unsqueeze/Concat chains fold into a static reshape', async () => {
  const g = tinyGraph((g) => {
    g.inputs = ['x'];
    g.types.set('x', { dtype: 'float32', shape: [1, 2, 4, 4] });
    const rnd = mulberry32(5);
    g.constants.set(
      'w',
      makeTensor(
        'float32',
        [4, 2, 3, 3],
        Array.from({ length: 72 }, () => rnd() - 0.5),
      ),
    );
    g.constants.set('b', makeTensor('float32', [4], [0.1, -0.2, 0.3, 0]));
    g.constants.set('idx0', makeTensor('int64', [], [0]));
    g.constants.set('minus1', makeTensor('int64', [1], [-1]));
    g.constants.set('axes0', makeTensor('int64', [1], [0]));
    g.nodes.push(
      { name: 'conv', opType: 'Conv', domain: '', inputs: ['x', 'w', 'b'], outputs: ['c'], attrs: { pads: A.is([1, 1, 1, 1]) } },
      { name: 'relu', opType: 'Relu', domain: '', inputs: ['c'], outputs: ['r'], attrs: {} },
      { name: 'shape', opType: 'Shape', domain: '', inputs: ['r'], outputs: ['s'], attrs: {} },
      { name: 'gather', opType: 'Gather', domain: '', inputs: ['s', 'idx0'], outputs: ['n'], attrs: {} },
      { name: 'unsq', opType: 'Unsqueeze', domain: '', inputs: ['n', 'axes0'], outputs: ['n1'], attrs: {} },
      { name: 'cat', opType: 'Concat', domain: '', inputs: ['n1', 'minus1'], outputs: ['target'], attrs: { axis: A.i(0) } },
      { name: 'flat', opType: 'Reshape', domain: '', inputs: ['r', 'target'], outputs: ['y'], attrs: {} },
    );
    g.outputs = ['y'];
  });
  const dims = [1, 2, 4, 4];
  const x = syntheticImage(dims, 3, 'NCHW');
  const { model } = await quantizeOnnx(g.toBytes(), { calibration: 'minmax', inputs: [{ x: { data: x, dims } }] });
  const c = compileToPlan(model, tempDir('fold-'), 'fold');
  const types = readPlan(c.planPath).ops.map((o) => o.type);
  assert.deepEqual(
    types.filter((t) => !['quantize', 'transpose', 'dequantize', 'reshape'].includes(t)),
    ['conv2d'],
  );
  assert.deepEqual(c.outputs[0]!.shape, [1, 64]);
  const ref = await (await ort.InferenceSession.create(model)).run({ x: new ort.Tensor('float32', x, dims) });
  const ours = await runPlan({ planPath: c.planPath, inputs: [x], outputs: c.outputs });
  const a = agreement(ref.y!.data as Float32Array, ours.outputs[0]!, outputSteps(c.planPath)[0]! * 1.0001);
  assert.equal(a.withinTolerance, 1);
});

test('plan writer: constants 64-byte aligned with exact lengths, NHWC activations, per-channel weight axes per spec', async () => {
  const fp32 = buildMobileNetV2({ inputSize: 64, widthMultiplier: 0.35, classes: 10, seed: 3 });
  const dims = [1, 3, 64, 64];
  const { model } = await quantizeOnnx(fp32, { calibration: 'minmax', inputs: [{ input: { data: syntheticImage(dims, 1, 'NCHW'), dims } }] });
  const c = compileToPlan(model, tempDir('layout-'), 'mnv2');
  const plan = JSON.parse(readFileSync(c.planPath, 'utf8'));
  assert.equal(plan.format, 'farm-int8-plan');
  assert.equal(plan.version, 1);
  assert.equal(plan.layout, 'NHWC');
  const binSize = statSync(c.binPath).size;
  const size: Record<string, number> = { int8: 1, uint8: 1, int32: 4, float32: 4 };
  const byId = new Map<
    number,
    {
      dtype: string;
      shape: number[];
      quant: { axis: number | null; scale: number[]; zeroPoint: number[] } | null;
      data: { offset: number; length: number } | null;
    }
  >(plan.tensors.map((t: { id: number }) => [t.id, t]));
  for (const t of byId.values()) {
    if (t.dtype === 'int8' || t.dtype === 'uint8') assert.ok(t.quant, 'quantized tensors carry quant');
    if (t.quant && t.quant.axis !== null) assert.equal(t.quant.scale.length, t.shape[t.quant.axis]);
    if (!t.data) continue;
    assert.equal(t.data.offset % 64, 0);
    assert.equal(t.data.length, t.shape.reduce((a, b) => a * b, 1) * size[t.dtype]!);
    assert.ok(t.data.offset + t.data.length <= binSize);
  }
  for (const op of plan.ops as { type: string; inputs: number[]; outputs: number[]; attrs: Record<string, unknown> }[]) {
    if (op.type === 'conv2d') {
      const x = byId.get(op.inputs[0]!)!,
        w = byId.get(op.inputs[1]!)!,
        y = byId.get(op.outputs[0]!)!;
      assert.equal(w.shape[3], x.shape[3], 'OHWI weights read the NHWC channel axis');
      assert.equal(y.shape[3], w.shape[0]);
      assert.equal(w.quant!.axis, 0);
    }
    if (op.type === 'depthwise_conv2d') {
      const w = byId.get(op.inputs[1]!)!;
      assert.equal(w.shape[0], 1);
      assert.equal(w.quant!.axis, 3);
    }
    if (op.type === 'fully_connected') assert.equal(byId.get(op.inputs[1]!)!.quant!.axis, 0);
  }
  assert.ok(
    plan.ops.some((o: { type: string; attrs: { clampMax?: number } }) => o.type === 'conv2d' && typeof o.attrs.clampMax === 'number'),
    'ReLU6 fused as clamp',
  );
});

/** A QOperator model: QuantizeLinear -> QLinearConv x2 -> com.microsoft QLinearAdd -> QLinearGlobalAveragePool -> DequantizeLinear. */
function qoperatorModel(): Uint8Array {
  const rnd = mulberry32(11);
  const g = new OnnxGraph();
  g.opset = 13;
  g.otherOpsets = [{ domain: 'com.microsoft', version: 1 }];
  g.inputs = ['x'];
  g.types.set('x', { dtype: 'float32', shape: [1, 3, 16, 16] });
  const c = (name: string, t: ReturnType<typeof makeTensor>) => {
    g.constants.set(name, t);
    return name;
  };
  const f = (name: string, v: number) => c(name, makeTensor('float32', [], [v]));
  const u = (name: string, v: number) => c(name, makeTensor('uint8', [], [v]));
  const w = (name: string, o: number) =>
    c(
      name,
      makeTensor(
        'int8',
        [o, 3, 3, 3],
        Array.from({ length: o * 27 }, () => Math.round((rnd() - 0.5) * 200)),
      ),
    );
  const ws = (name: string, o: number) =>
    c(
      name,
      makeTensor(
        'float32',
        [o],
        Array.from({ length: o }, () => 0.002 + rnd() * 0.002),
      ),
    );
  const wz = (name: string, o: number) => c(name, makeTensor('int8', [o]));
  const b = (name: string, o: number) =>
    c(
      name,
      makeTensor(
        'int32',
        [o],
        Array.from({ length: o }, () => Math.round((rnd() - 0.5) * 2000)),
      ),
    );
  g.nodes.push(
    { name: 'q_in', opType: 'QuantizeLinear', domain: '', inputs: ['x', f('xs', 2 / 255), u('xz', 128)], outputs: ['xq'], attrs: {} },
    {
      name: 'qconv_a',
      opType: 'QLinearConv',
      domain: '',
      inputs: ['xq', 'xs', 'xz', w('wa', 8), ws('wsa', 8), wz('wza', 8), f('ya_s', 0.02), u('ya_z', 120), b('ba', 8)],
      outputs: ['ya'],
      attrs: { pads: A.is([1, 1, 1, 1]) },
    },
    {
      name: 'qconv_b',
      opType: 'QLinearConv',
      domain: '',
      inputs: ['xq', 'xs', 'xz', w('wb', 8), ws('wsb', 8), wz('wzb', 8), f('yb_s', 0.025), u('yb_z', 130), b('bb', 8)],
      outputs: ['yb'],
      attrs: { pads: A.is([1, 1, 1, 1]) },
    },
    {
      name: 'qadd',
      opType: 'QLinearAdd',
      domain: 'com.microsoft',
      inputs: ['ya', 'ya_s', 'ya_z', 'yb', 'yb_s', 'yb_z', f('s_s', 0.03), u('s_z', 125)],
      outputs: ['s'],
      attrs: {},
    },
    {
      name: 'qgap',
      opType: 'QLinearGlobalAveragePool',
      domain: 'com.microsoft',
      inputs: ['s', 's_s', 's_z', f('p_s', 0.01), u('p_z', 128)],
      outputs: ['p'],
      attrs: { channels_last: A.i(0) },
    },
    { name: 'dq_out', opType: 'DequantizeLinear', domain: '', inputs: ['p', 'p_s', 'p_z'], outputs: ['y'], attrs: {} },
  );
  g.outputs = ['y'];
  g.types.set('y', { dtype: 'float32', shape: [1, 8, 1, 1] });
  return g.toBytes();
}

testUnless(runnerSkip())(
  'compiler: QOperator model (QLinearConv, com.microsoft QLinearAdd and QLinearGlobalAveragePool) matches ORT within 1 step',
  async () => {
    const model = qoperatorModel();
    const dims = [1, 3, 16, 16];
    const x = syntheticImage(dims, 8, 'NCHW');
    const ref = await (await ort.InferenceSession.create(model)).run({ x: new ort.Tensor('float32', x, dims) });
    const c = compileToPlan(model, tempDir('qop-'), 'qop');
    const types = readPlan(c.planPath).ops.map((o) => o.type);
    assert.ok(types.includes('add') && types.includes('global_avg_pool') && types.filter((t) => t === 'conv2d').length === 2);
    const ours = await runPlan({ planPath: c.planPath, inputs: [x], outputs: c.outputs });
    const a = agreement(ref.y!.data as Float32Array, ours.outputs[0]!, 0.01 * 1.0001);
    assert.equal(a.withinTolerance, 1, `max err ${a.maxAbsError}`);
  },
);
