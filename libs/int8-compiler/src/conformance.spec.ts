/**
 * ONNX backend conformance node tests through our compiler and int8-runner.
 *
 * The runtime takes weights and quantization parameters from the plan, so in every case the
 * first graph input is the runtime input and the other inputs (weights, scales, zero points,
 * second operands, shapes) are bound as constants from test_data_set_0 before compiling.
 *
 * Three groups, each with its own tolerance:
 * 1. Integer ops (QLinearConv, QLinearMatMul, Quantize/DequantizeLinear, ConvInteger,
 *    MatMulInteger) compiled as they are. Expected outputs are exact; QLinear* may differ by
 *    one step because the runtime requantizes in fixed point where the reference rounds in
 *    float (PLAN_FORMAT.md, Requantization). ConvInteger/MatMulInteger go through the
 *    int8-unit-scale option and must be exact.
 * 2. Float ops behind what we quantize (Conv, pools, Gemm, MatMul, Relu, Clip, Add, Concat, Pad,
 *    Resize, Reshape, Flatten, Transpose): the float model is quantized by OUR quantizer,
 *    calibrated on the test's own input, and compiled. Checked twice: against ORT running that
 *    same QDQ model (within 1 output step: this checks the kernels), and against the fp32
 *    expected output with a quantization-error budget: pure data movement (max pool, reshape,
 *    transpose, concat, pad, nearest resize) keeps the input's parameters, so its error is the
 *    input rounding, <= 1 step; Relu/Clip requantize to their own narrower range, so the input's
 *    rounding (up to one output step when the input range is twice as wide) adds to the output's
 *    half step: <= 2 steps; arithmetic ops (conv, gemm, add, average pools,
 *    linear resize) accumulate input, 7-bit weight and output rounding, so they must reach
 *    cosine >= 0.999 and max error <= 3% of the largest expected magnitude (or 2 steps).
 * 3. Cases the runtime cannot express must be refused by the compiler with a DomainError that
 *    names the op and node: they are tests, not skips.
 */
import { test } from '@jest/globals';
import { testUnless } from '../../../test/fixtures/skip.js';
import assert from 'node:assert/strict';
import { DomainError } from '@farm/contracts';
import { OnnxGraph } from './onnx/onnx-graph.js';
import { type Tensor, numel } from './onnx/onnx-proto.js';
import { compileToPlan, type CompileOptions } from './compile.js';
import { quantizeOnnx } from './quantizer/quantize.js';
import { agreement } from './agreement.js';
import { runPlan, realValues } from './runner/int8-runner.js';
import { loadNodeTest, nodeTestExists, runnerSkip, tempDir, type NodeTestCase } from '../../../test/fixtures/int8/test-env.js';
import { ortRun } from '../../../test/fixtures/int8/ort-helpers.js';
import { outputSteps } from '../../../test/fixtures/int8/plan-inspect.js';

const skip = runnerSkip();

/** The model with every input but the first turned into an initializer holding the test data. */
function bindConstants(c: NodeTestCase): Uint8Array {
  const g = OnnxGraph.fromBytes(c.model);
  const names = [...g.inputs];
  c.inputs.forEach((inp, i) => {
    if (i === 0) return;
    const name = names[i] ?? inp.name;
    g.constants.set(name, inp.tensor);
  });
  g.inputs = [names[0]!];
  return g.toBytes();
}

async function compileAndRun(model: Uint8Array, input: Tensor, name: string, opts: CompileOptions = {}) {
  const dir = tempDir(`conf-${name}-`);
  const compiled = compileToPlan(model, dir, name, opts);
  const run = await runPlan({ planPath: compiled.planPath, inputs: [input.data], outputs: compiled.outputs });
  return { compiled, outputs: run.outputs, steps: outputSteps(compiled.planPath) };
}

function assertRefused(model: Uint8Array, opType: string, opts: CompileOptions = {}) {
  assert.throws(
    () => compileToPlan(model, tempDir('conf-refused-'), 'refused', opts),
    (e: unknown) => {
      assert.ok(e instanceof DomainError, `expected DomainError, got ${String(e)}`);
      assert.match(e.message, new RegExp(opType));
      assert.match(e.message, /node "/);
      return true;
    },
  );
}

// ---- 1. integer ops, compiled as they are -------------------------------------------------

const INTEGER_CASES: { name: string; tol: number; opts?: CompileOptions }[] = [
  { name: 'test_qlinearconv', tol: 1 },
  { name: 'test_qlinearmatmul_2D', tol: 1 },
  { name: 'test_quantizelinear', tol: 0 },
  { name: 'test_dequantizelinear', tol: 0 },
  { name: 'test_basic_convinteger', tol: 0, opts: { integerAccumulators: 'int8-unit-scale' } },
  { name: 'test_convinteger_with_padding', tol: 0, opts: { integerAccumulators: 'int8-unit-scale' } },
  { name: 'test_convinteger_without_padding', tol: 0, opts: { integerAccumulators: 'int8-unit-scale' } },
  { name: 'test_matmulinteger', tol: 0, opts: { integerAccumulators: 'int8-unit-scale' } },
];

for (const c of INTEGER_CASES) {
  if (!nodeTestExists(c.name)) continue;
  testUnless(skip)(`conformance ${c.name}: exact or within ${c.tol} step(s)`, async () => {
    const tc = loadNodeTest(c.name);
    const { outputs } = await compileAndRun(bindConstants(tc), tc.inputs[0]!.tensor, c.name, c.opts);
    const expected = tc.outputs[0]!.tensor.data as ArrayLike<number>;
    const got = outputs[0]!;
    assert.equal(got.length, expected.length);
    for (let i = 0; i < got.length; i++) {
      assert.ok(
        Math.abs(Number(got[i]) - Number(expected[i])) <= c.tol + 1e-6 * Math.abs(Number(expected[i])),
        `${c.name}[${i}]: got ${got[i]}, expected ${expected[i]}`,
      );
    }
  });
}

test('conformance: ConvInteger without the int8-unit-scale option is refused (plan v1 stores no int32 activations)', () => {
  assertRefused(bindConstants(loadNodeTest('test_basic_convinteger')), 'ConvInteger');
});

const REFUSED_INTEGER: { name: string; op: string; why: string }[] = [
  { name: 'test_qlinearmatmul_3D', op: 'QLinearMatMul', why: 'B is a batched 3-D matrix; the runtime has fully_connected with a 2-D constant only' },
  { name: 'test_quantizelinear_axis', op: 'QuantizeLinear', why: 'per-channel activation quantization; plan v1 activations are per-tensor' },
  { name: 'test_dequantizelinear_axis', op: 'DequantizeLinear', why: 'per-channel activation dequantization; plan v1 activations are per-tensor' },
  { name: 'test_dynamicquantizelinear', op: 'DynamicQuantizeLinear', why: 'scales computed at run time; plan v1 quantization is static' },
];
for (const r of REFUSED_INTEGER) {
  if (!nodeTestExists(r.name)) continue;
  test(`conformance ${r.name}: refused by the compiler (${r.why})`, () => {
    assertRefused(bindConstants(loadNodeTest(r.name)), r.op);
  });
}

// ---- 2. float ops through our quantizer -----------------------------------------------------

type Budget = 'movement' | 'activation' | 'arithmetic';
const FLOAT_CASES: [string, Budget][] = [
  ['test_basic_conv_with_padding', 'arithmetic'],
  ['test_basic_conv_without_padding', 'arithmetic'],
  ['test_conv_with_strides_padding', 'arithmetic'],
  ['test_conv_with_strides_no_padding', 'arithmetic'],
  ['test_conv_with_strides_and_asymmetric_padding', 'arithmetic'],
  ['test_conv_with_autopad_same', 'arithmetic'],
  ['test_maxpool_2d_default', 'movement'],
  ['test_maxpool_2d_pads', 'movement'],
  ['test_maxpool_2d_strides', 'movement'],
  ['test_maxpool_2d_same_upper', 'movement'],
  ['test_maxpool_2d_same_lower', 'movement'],
  ['test_maxpool_2d_precomputed_pads', 'movement'],
  ['test_maxpool_2d_precomputed_strides', 'movement'],
  ['test_maxpool_2d_precomputed_same_upper', 'movement'],
  ['test_maxpool_2d_ceil', 'movement'],
  ['test_maxpool_2d_dilations', 'movement'],
  ['test_averagepool_2d_default', 'arithmetic'],
  ['test_averagepool_2d_pads', 'arithmetic'],
  ['test_averagepool_2d_strides', 'arithmetic'],
  ['test_averagepool_2d_same_upper', 'arithmetic'],
  ['test_averagepool_2d_same_lower', 'arithmetic'],
  ['test_averagepool_2d_precomputed_pads', 'arithmetic'],
  ['test_averagepool_2d_precomputed_strides', 'arithmetic'],
  ['test_averagepool_2d_precomputed_same_upper', 'arithmetic'],
  ['test_averagepool_2d_pads_count_include_pad', 'arithmetic'],
  ['test_averagepool_2d_precomputed_pads_count_include_pad', 'arithmetic'],
  ['test_averagepool_2d_ceil', 'arithmetic'],
  ['test_globalaveragepool', 'arithmetic'],
  ['test_globalaveragepool_precomputed', 'arithmetic'],
  ['test_gemm_default_no_bias', 'arithmetic'],
  ['test_gemm_default_vector_bias', 'arithmetic'],
  ['test_gemm_default_single_elem_vector_bias', 'arithmetic'],
  ['test_gemm_default_zero_bias', 'arithmetic'],
  ['test_gemm_transposeB', 'arithmetic'],
  ['test_matmul_2d', 'arithmetic'],
  ['test_relu', 'activation'],
  ['test_clip', 'activation'],
  ['test_clip_example', 'activation'],
  ['test_clip_inbounds', 'activation'],
  ['test_clip_outbounds', 'activation'],
  ['test_clip_splitbounds', 'activation'],
  ['test_add', 'arithmetic'],
  ['test_add_bcast', 'arithmetic'],
  ['test_concat_2d_axis_0', 'movement'],
  ['test_concat_2d_axis_1', 'movement'],
  ['test_concat_3d_axis_1', 'movement'],
  ['test_concat_3d_axis_negative_1', 'movement'],
  ['test_constant_pad', 'movement'],
  ['test_resize_upsample_scales_nearest', 'movement'],
  ['test_resize_downsample_scales_nearest', 'movement'],
  ['test_resize_upsample_sizes_nearest', 'movement'],
  ['test_resize_upsample_scales_linear', 'arithmetic'],
  ['test_resize_downsample_scales_linear', 'arithmetic'],
  ['test_resize_upsample_scales_linear_align_corners', 'arithmetic'],
  ['test_reshape_reordered_all_dims', 'movement'],
  ['test_reshape_negative_dim', 'movement'],
  ['test_reshape_zero_dim', 'movement'],
  ['test_reshape_one_dim', 'movement'],
  ['test_flatten_axis1', 'movement'],
  ['test_flatten_default_axis', 'movement'],
  ['test_transpose_default', 'movement'],
  ['test_transpose_all_permutations_0', 'movement'],
  ['test_transpose_all_permutations_3', 'movement'],
  ['test_transpose_all_permutations_5', 'movement'],
];

for (const [name, budget] of FLOAT_CASES) {
  if (!nodeTestExists(name)) continue;
  testUnless(skip)(`conformance ${name} via our QDQ quantizer: within 1 step of ORT on the same QDQ model; ${budget} budget vs fp32`, async () => {
    const tc = loadNodeTest(name);
    const floatModel = bindConstants(tc);
    const x = tc.inputs[0]!;
    const { model: qdq } = await quantizeOnnx(floatModel, {
      calibration: 'minmax',
      inputs: [{ [x.name || OnnxGraph.fromBytes(floatModel).inputs[0]!]: { data: x.tensor.data as Float32Array, dims: x.tensor.dims } }],
    });
    const inName = OnnxGraph.fromBytes(qdq).inputs[0]!;
    const ort = await ortRun(qdq, { [inName]: x.tensor });
    const { compiled, outputs, steps } = await compileAndRun(qdq, x.tensor, name);
    const out = compiled.outputs[0]!;
    const ours = out.dtype === 'float32' ? (outputs[0] as Float32Array) : realValues(out, outputs[0]!);
    const step = steps[0]!;
    const vsOrt = agreement(ort[out.name]!.data as Float32Array, ours, step * 1.0001 + 1e-7);
    assert.ok(
      vsOrt.withinTolerance! >= 0.999,
      `vs ORT on the same QDQ model: ${(vsOrt.withinTolerance! * 100).toFixed(2)}% within one step (${step}); max err ${vsOrt.maxAbsError}`,
    );
    const expected = tc.outputs[0]!.tensor.data as Float32Array;
    assert.equal(ours.length, numel(tc.outputs[0]!.tensor.dims));
    const vsFp32 = agreement(expected, ours);
    if (budget === 'movement') {
      assert.ok(vsFp32.maxAbsError <= step * 1.0001 + 1e-6, `vs fp32: max err ${vsFp32.maxAbsError} > one step ${step}`);
    } else if (budget === 'activation') {
      assert.ok(vsFp32.maxAbsError <= 2 * step * 1.0001 + 1e-6, `vs fp32: max err ${vsFp32.maxAbsError} > two steps ${step}`);
    } else {
      assert.ok(vsFp32.cosine >= 0.999, `vs fp32: cosine ${vsFp32.cosine}`);
      assert.ok(
        vsFp32.maxAbsError <= Math.max(0.03 * vsFp32.maxAbsReference, 2 * step),
        `vs fp32: max err ${vsFp32.maxAbsError} (max |ref| ${vsFp32.maxAbsReference}, step ${step})`,
      );
    }
  });
}

// ---- 3. float models the compiler must refuse with a clear message -----------------------

const REFUSED_FLOAT: { name: string; op: string; why: string }[] = [
  { name: 'test_gemm_alpha', op: 'Gemm', why: 'alpha != 1' },
  { name: 'test_gemm_default_matrix_bias', op: 'Gemm', why: 'matrix C is not a per-channel bias' },
  { name: 'test_resize_upsample_scales_cubic', op: 'Resize', why: 'cubic mode' },
  { name: 'test_maxpool_3d_default', op: 'MaxPool', why: '3-D pooling' },
  { name: 'test_batchnorm_example', op: 'BatchNormalization', why: 'a BatchNormalization with no Conv to fold into' },
];
for (const r of REFUSED_FLOAT) {
  if (!nodeTestExists(r.name)) continue;
  test(`conformance ${r.name}: refused after quantization (${r.why})`, async () => {
    const tc = loadNodeTest(r.name);
    const floatModel = bindConstants(tc);
    const x = tc.inputs[0]!;
    const inName = OnnxGraph.fromBytes(floatModel).inputs[0]!;
    const { model } = await quantizeOnnx(floatModel, {
      calibration: 'minmax',
      inputs: [{ [inName]: { data: x.tensor.data as Float32Array, dims: x.tensor.dims } }],
    });
    assertRefused(model, r.op);
  });
}
