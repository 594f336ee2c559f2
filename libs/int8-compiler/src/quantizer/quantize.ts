/**
 * Post-training static quantizer: fp32 ONNX + calibration samples -> QDQ ONNX that ONNX
 * Runtime loads and runs, and that compileToPlan turns into a plan.
 *
 * - BatchNormalization is folded into the convs first, so weight scales see final weights.
 * - Weights: int8, per-channel symmetric ([-127, 127], zero point 0), axis 0 for Conv and
 *   Gemm(transB=1), the output-column axis for MatMul/Gemm(transB=0).
 * - Biases: int32 at scale s_x * s_w[o], zero point 0 (QLinearConv's convention).
 * - Activations: per-tensor asymmetric, uint8 by default. On x86 ONNX Runtime's MLAS integer
 *   GEMM/conv kernels multiply unsigned activations by signed weights (u8s8: AVX2 vpmaddubsw,
 *   AVX-VNNI vpdpbusd take one unsigned and one signed byte operand), and its QDQ optimizer
 *   even rewrites int8 activations to uint8 on x86 to reach those kernels; uint8 is therefore
 *   what ORT runs fastest, and the native runtime accepts both.
 * - Relu/Clip after Conv/Gemm/Add are not given their own Q/DQ: the activation's output is
 *   quantized instead, which ORT (ReluQuantFusion/ClipQuantFusion) and our compiler fuse.
 * - Data-movement ops (MaxPool, Reshape, Transpose, Concat, Pad, ...) share one set of
 *   parameters across their inputs and outputs, so no requantization happens there.
 */
import { DomainError } from '@farm/contracts';
import { type OnnxGraph, type OnnxNode, A, OnnxGraph as Graph, attrInt } from '../onnx/onnx-graph.js';
import { type Tensor, makeTensor, numel, toNumbers } from '../onnx/onnx-proto.js';
import { foldBatchNorm } from '../passes/bn-fold.pass.js';
import { foldConstants, roundHalfEven } from '../passes/constant-fold.pass.js';
import { type CalibrationMethod, type CalibrationSample, type Range, collectRanges, syntheticSamples } from './calibration.js';
import { SYNTHETIC_CALIBRATION_SAMPLES } from './calibration-size.js';

export type ActivationType = 'uint8' | 'int8';

export interface QuantizeOptions {
  calibration: CalibrationMethod;
  /** Calibration samples. Without them random inputs are used and the report says so loudly. */
  inputs?: CalibrationSample[];
  /** Percentile kept by 'percentile' calibration (default 99.99). */
  percentile?: number;
  activationType?: ActivationType;
  /** Number of synthetic samples when `inputs` is absent (default 4). */
  syntheticSamples?: number;
  seed?: number;
  /**
   * 'reduced' (default) quantizes weights to [-63, 63]. ORT's x86 u8s8 kernels without
   * AVX-VNNI use vpmaddubsw, which adds two u8*s8 products into a saturating int16: with
   * full-range weights (255 * 127 * 2 > 32767) ORT's int8 results are wrong, visibly so
   * (measured here: 9% of BlazeFace's first conv outputs off by up to 69 steps). The 7-bit
   * range keeps every pair below 32767, so ORT int8 and the native runtime compute the same
   * thing. 'full' uses [-127, 127] (right for runtimes with exact accumulation only).
   */
  weightRange?: 'reduced' | 'full';
}

export interface QuantizeReport {
  calibration: CalibrationMethod;
  percentile?: number;
  activationType: ActivationType;
  weightType: 'int8';
  weightGranularity: 'per-channel';
  weightRange: 'reduced' | 'full';
  samples: number;
  syntheticCalibration: boolean;
  bnFolded: number;
  quantizedTensors: number;
  quantizedOps: Record<string, number>;
  warnings: string[];
}

export interface QuantizeResult {
  model: Uint8Array;
  report: QuantizeReport;
}

export const SYNTHETIC_CALIBRATION_WARNING =
  'SYNTHETIC CALIBRATION: no calibration inputs were given, so activation ranges come from random inputs. ' +
  'The model runs, but accuracy and fp32-vs-int8 agreement figures measured on it are meaningless.';

const WEIGHTED = new Set(['Conv', 'Gemm', 'MatMul']);
const FUSABLE_INTO = new Set(['Conv', 'Gemm', 'MatMul', 'Add']);
const ACTIVATIONS = new Set(['Relu', 'Clip']);
/** Output shares the input's parameters (pure data movement or max). */
const SHARED = new Set(['MaxPool', 'Reshape', 'Flatten', 'Transpose', 'Squeeze', 'Unsqueeze', 'Pad', 'Concat', 'GlobalMaxPool']);
/** Ops whose output gets its own calibrated parameters. */
const COMPUTE = new Set(['Conv', 'Gemm', 'MatMul', 'Add', 'AveragePool', 'GlobalAveragePool', 'Relu', 'Clip', 'Resize', 'Sigmoid']);

class UnionFind {
  private parent = new Map<string, string>();
  find(x: string): string {
    let p = this.parent.get(x) ?? x;
    if (p !== x) {
      p = this.find(p);
      this.parent.set(x, p);
    }
    return p;
  }
  union(a: string, b: string): void {
    const ra = this.find(a),
      rb = this.find(b);
    if (ra !== rb) this.parent.set(rb, ra);
  }
}

interface QParams {
  scale: number;
  zeroPoint: number;
}

export function activationParams(r: Range, type: ActivationType): QParams {
  const min = Math.min(0, r.min),
    max = Math.max(0, r.max);
  if (!(max > min)) return { scale: 1, zeroPoint: type === 'uint8' ? 0 : -128 };
  const scale = Math.fround((max - min) / 255);
  const qmin = type === 'uint8' ? 0 : -128;
  const zeroPoint = Math.max(qmin, Math.min(qmin + 255, roundHalfEven(qmin - min / scale)));
  return { scale, zeroPoint };
}

/** Brings a graph to opset 13 (per-axis DequantizeLinear), converting the ops whose signature changed. */
function upgradeOpset(g: OnnxGraph): void {
  if (g.opset >= 13) return;
  for (const n of g.nodes) {
    if ((n.opType === 'Squeeze' || n.opType === 'Unsqueeze') && n.attrs.axes) {
      const axes = n.attrs.axes.v as number[];
      const name = g.fresh(`${n.name}_axes`);
      g.constants.set(name, makeTensor('int64', [axes.length], axes));
      n.inputs = [n.inputs[0]!, name];
      delete n.attrs.axes;
    }
    if (n.opType === 'Clip' && g.opset < 11 && (n.attrs.min || n.attrs.max)) {
      const add = (k: 'min' | 'max') => {
        const a = n.attrs[k];
        if (!a) return '';
        const name = g.fresh(`${n.name}_${k}`);
        g.constants.set(name, makeTensor('float32', [], [a.v as number]));
        delete n.attrs[k];
        return name;
      };
      n.inputs = [n.inputs[0]!, add('min'), add('max')];
    }
    if (n.opType === 'Softmax' && g.opset < 13) {
      const rank = g.types.get(n.inputs[0]!)?.shape?.length ?? 2;
      const axis = attrInt(n, 'axis', 1);
      if (axis !== rank - 1 && axis !== -1)
        throw new DomainError('FRAMEWORK_UNSUPPORTED', `Softmax node "${n.name}": opset ${g.opset} flattening semantics on a non-last axis`);
      n.attrs.axis = A.i(-1);
    }
    if (['Split', 'ReduceSum', 'Upsample'].includes(n.opType)) {
      throw new DomainError(
        'FRAMEWORK_UNSUPPORTED',
        `${n.opType} node "${n.name}": upgrading opset ${g.opset} -> 13 for per-channel QDQ is not implemented for this op`,
      );
    }
  }
  g.opset = 13;
}

export async function quantizeOnnx(bytes: Uint8Array, opts: QuantizeOptions): Promise<QuantizeResult> {
  const actType = opts.activationType ?? 'uint8';
  const warnings: string[] = [];
  const g = Graph.fromBytes(bytes);
  foldConstants(g);
  const bnFolded = foldBatchNorm(g);
  foldConstants(g);
  for (const n of g.nodes) {
    if (n.opType === 'BatchNormalization') warnings.push(`BatchNormalization "${n.name}" could not be folded into a preceding Conv; it stays float`);
  }
  upgradeOpset(g);

  const synthetic = !opts.inputs || opts.inputs.length === 0;
  const samples = synthetic ? syntheticSamples(g, opts.syntheticSamples ?? SYNTHETIC_CALIBRATION_SAMPLES, opts.seed ?? 1) : opts.inputs!;
  if (synthetic) warnings.unshift(SYNTHETIC_CALIBRATION_WARNING);

  const plan = planQuantization(g);
  const ranges = await collectRanges(g, [...plan.tensors], samples, opts.calibration, opts.percentile ?? 99.99);

  // One range per group (tensors that must share parameters), the union of its members.
  const groupRange = new Map<string, Range>();
  for (const t of plan.tensors) {
    const root = plan.groups.find(t);
    const r = ranges.get(t)!;
    const cur = groupRange.get(root);
    groupRange.set(root, cur ? { min: Math.min(cur.min, r.min), max: Math.max(cur.max, r.max) } : r);
  }
  for (const [t, v] of plan.extraPoints) {
    const root = plan.groups.find(t);
    const cur = groupRange.get(root) ?? { min: 0, max: 0 };
    groupRange.set(root, { min: Math.min(cur.min, v), max: Math.max(cur.max, v) });
  }
  for (const c of plan.constOperands) {
    const root = plan.groups.find(c);
    const v = toNumbers(g.constants.get(c)!);
    const r = { min: Math.min(0, ...v), max: Math.max(0, ...v) };
    const cur = groupRange.get(root);
    groupRange.set(root, cur ? { min: Math.min(cur.min, r.min), max: Math.max(cur.max, r.max) } : r);
  }
  const params = (t: string) => activationParams(groupRange.get(plan.groups.find(t))!, actType);

  const weightQMax = (opts.weightRange ?? 'reduced') === 'reduced' ? 63 : 127;
  const quantizedOps = rewrite(g, plan, params, actType, weightQMax);
  g.prune();
  const model = g.toBytes();
  return {
    model,
    report: {
      calibration: opts.calibration,
      ...(opts.calibration === 'percentile' ? { percentile: opts.percentile ?? 99.99 } : {}),
      activationType: actType,
      weightType: 'int8',
      weightGranularity: 'per-channel',
      weightRange: opts.weightRange ?? 'reduced',
      samples: samples.length,
      syntheticCalibration: synthetic,
      bnFolded,
      quantizedTensors: plan.tensors.size + plan.constOperands.size,
      quantizedOps,
      warnings,
    },
  };
}

interface QuantPlan {
  /** Float activations that get a Q->DQ pair. */
  tensors: Set<string>;
  /** Float constants used as Add/Concat operands, stored quantized. */
  constOperands: Set<string>;
  groups: UnionFind;
  /** Nodes that run quantized. */
  nodes: Set<OnnxNode>;
  /** Values a tensor's range must include beyond what calibration sees (Pad's fill value). */
  extraPoints: Map<string, number>;
}

/** Decides which tensors get Q/DQ and which must share parameters. */
function planQuantization(g: OnnxGraph): QuantPlan {
  const consumers = g.consumerMap();
  const tensors = new Set<string>();
  const constOperands = new Set<string>();
  const groups = new UnionFind();
  const nodes = new Set<OnnxNode>();
  const extraPoints = new Map<string, number>();
  const isFloat = (v: string) => (g.types.get(v)?.dtype ?? g.constants.get(v)?.dtype) === 'float32';

  for (const n of g.nodes) {
    const quantizable =
      (WEIGHTED.has(n.opType) && g.constants.has(n.inputs[1]!) && !g.constants.has(n.inputs[0]!) && (n.opType !== 'Gemm' || attrInt(n, 'transA', 0) === 0)) ||
      ((COMPUTE.has(n.opType) || SHARED.has(n.opType)) && !WEIGHTED.has(n.opType));
    if (!quantizable || !isFloat(n.outputs[0]!)) continue;
    if (n.opType === 'Resize' && (n.attrs.mode?.v ?? 'nearest') !== 'nearest' && n.attrs.mode?.v !== 'linear') continue;
    nodes.add(n);
  }
  // Conv/Gemm/Add followed only by Relu/Clip: the activation's output carries the quantization.
  const fused = new Set<string>();
  for (const n of nodes) {
    const out = n.outputs[0]!;
    const cons = consumers.get(out) ?? [];
    if (FUSABLE_INTO.has(n.opType) && cons.length === 1 && ACTIVATIONS.has(cons[0]!.opType) && nodes.has(cons[0]!) && !g.outputs.includes(out)) fused.add(out);
  }
  for (const n of nodes) {
    const data = WEIGHTED.has(n.opType) ? [n.inputs[0]!] : n.opType === 'Add' || n.opType === 'Concat' ? n.inputs : [n.inputs[0]!];
    for (const i of data) {
      if (!i || fused.has(i)) continue;
      if (g.constants.has(i)) {
        if (isFloat(i)) constOperands.add(i);
        continue;
      }
      tensors.add(i);
    }
    const out = n.outputs[0]!;
    if (!fused.has(out)) tensors.add(out);
    if (SHARED.has(n.opType)) for (const i of data) if (i) groups.union(out, i);
    if (n.opType === 'Pad' && n.inputs[2] && g.constants.has(n.inputs[2])) extraPoints.set(out, Number(g.constants.get(n.inputs[2])!.data[0]));
  }
  return { tensors, constOperands, groups, nodes, extraPoints };
}

function quantizeWeights(w: Tensor, axis: number, qmax: number): { q: Tensor; scales: number[] } {
  const ch = w.dims[axis]!;
  const inner = numel(w.dims.slice(axis + 1));
  const src = w.data as Float32Array;
  const maxAbs = new Array(ch).fill(0);
  for (let i = 0; i < src.length; i++) {
    const c = Math.floor(i / inner) % ch;
    maxAbs[c] = Math.max(maxAbs[c], Math.abs(src[i]!));
  }
  // An all-zero channel gets scale 1 so its bias scale stays finite.
  const scales = maxAbs.map((m) => Math.fround(m > 0 ? m / qmax : 1));
  const q = makeTensor('int8', w.dims);
  const qd = q.data as Int8Array;
  for (let i = 0; i < src.length; i++) {
    const c = Math.floor(i / inner) % ch;
    qd[i] = Math.max(-qmax, Math.min(qmax, roundHalfEven(src[i]! / scales[c]!)));
  }
  return { q, scales };
}

/** Inserts the Q/DQ nodes and quantized initializers. */
function rewrite(g: OnnxGraph, plan: QuantPlan, params: (t: string) => QParams, actType: ActivationType, weightQMax: number): Record<string, number> {
  const counts: Record<string, number> = {};
  const zpTensor = (zp: number) => makeTensor(actType, [], [zp]);
  const newNodes: OnnxNode[] = [];
  const addConst = (base: string, t: Tensor) => {
    const name = g.fresh(base);
    g.constants.set(name, t);
    return name;
  };
  /** Dequantized name -> the activation it stands for (differs only for graph inputs). */
  const original = new Map<string, string>();

  // Activations: producer writes `<t>_prequant`; Q -> DQ restores `<t>` for every reader.
  for (const t of plan.tensors) {
    const p = params(t);
    const sName = addConst(`${t}_scale`, makeTensor('float32', [], [p.scale]));
    const zName = addConst(`${t}_zero_point`, zpTensor(p.zeroPoint));
    const isInput = g.inputs.includes(t);
    const pre = isInput ? t : g.fresh(`${t}_prequant`);
    const q = g.fresh(`${t}_quantized`);
    const dq = isInput ? g.fresh(`${t}_dequantized`) : t;
    original.set(dq, t);
    if (isInput) {
      for (const n of g.nodes) n.inputs = n.inputs.map((i) => (i === t ? dq : i));
    } else {
      for (const n of g.nodes) n.outputs = n.outputs.map((o) => (o === t ? pre : o));
      const ty = g.types.get(t);
      if (ty) g.types.set(pre, ty);
    }
    g.types.set(q, { dtype: actType, shape: g.types.get(t)?.shape });
    g.types.set(dq, { dtype: 'float32', shape: g.types.get(t)?.shape });
    newNodes.push(
      { name: g.fresh(`${t}_QuantizeLinear`), opType: 'QuantizeLinear', domain: '', inputs: [pre, sName, zName], outputs: [q], attrs: {} },
      { name: g.fresh(`${t}_DequantizeLinear`), opType: 'DequantizeLinear', domain: '', inputs: [q, sName, zName], outputs: [dq], attrs: {} },
    );
  }

  // Constant operands of Add/Concat: stored quantized with their group's parameters.
  for (const c of plan.constOperands) {
    const p = params(c);
    const v = g.constants.get(c)!;
    const [lo, hi] = actType === 'uint8' ? [0, 255] : [-128, 127];
    const q = makeTensor(
      actType,
      v.dims,
      toNumbers(v).map((x) => Math.max(lo, Math.min(hi, roundHalfEven(x / p.scale) + p.zeroPoint))),
    );
    const qName = addConst(`${c}_quantized`, q);
    const dq = g.fresh(`${c}_dequantized`);
    newNodes.push({
      name: g.fresh(`${c}_DequantizeLinear`),
      opType: 'DequantizeLinear',
      domain: '',
      inputs: [qName, addConst(`${c}_scale`, makeTensor('float32', [], [p.scale])), addConst(`${c}_zero_point`, zpTensor(p.zeroPoint))],
      outputs: [dq],
      attrs: {},
    });
    for (const n of plan.nodes) n.inputs = n.inputs.map((i) => (i === c ? dq : i));
  }

  // Weights and biases.
  for (const n of plan.nodes) {
    counts[n.opType] = (counts[n.opType] ?? 0) + 1;
    if (!WEIGHTED.has(n.opType)) continue;
    const w = g.constants.get(n.inputs[1]!)!;
    const axis = n.opType === 'Conv' || (n.opType === 'Gemm' && attrInt(n, 'transB', 0) === 1) ? 0 : w.dims.length - 1;
    const { q, scales } = quantizeWeights(w, axis, weightQMax);
    const wq = addConst(`${n.inputs[1]}_quantized`, q);
    const wScale = addConst(`${n.inputs[1]}_scale`, makeTensor('float32', [scales.length], scales));
    const wZero = addConst(`${n.inputs[1]}_zero_point`, makeTensor('int8', [scales.length]));
    const wdq = g.fresh(`${n.inputs[1]}_dequantized`);
    newNodes.push({
      name: g.fresh(`${n.name}_weight_DequantizeLinear`),
      opType: 'DequantizeLinear',
      domain: '',
      inputs: [wq, wScale, wZero],
      outputs: [wdq],
      attrs: { axis: A.i(axis) },
    });
    const xName = n.inputs[0]!;
    const biasName = n.opType === 'MatMul' ? undefined : n.inputs[2];
    n.inputs[1] = wdq;
    if (biasName && g.constants.has(biasName)) {
      const b = toNumbers(g.constants.get(biasName)!);
      if (n.opType === 'Gemm' && b.length !== scales.length) continue; // matrix/scalar C stays float
      const sx = params(original.get(xName) ?? xName).scale;
      const bScales = scales.map((s) => Math.fround(sx * s));
      const bq = makeTensor(
        'int32',
        [b.length],
        b.map((v, o) => Math.max(-2147483647, Math.min(2147483647, roundHalfEven(v / bScales[o]!)))),
      );
      const bdq = g.fresh(`${biasName}_dequantized`);
      newNodes.push({
        name: g.fresh(`${n.name}_bias_DequantizeLinear`),
        opType: 'DequantizeLinear',
        domain: '',
        inputs: [
          addConst(`${biasName}_quantized`, bq),
          addConst(`${biasName}_scale`, makeTensor('float32', [b.length], bScales)),
          addConst(`${biasName}_zero_point`, makeTensor('int32', [b.length])),
        ],
        outputs: [bdq],
        attrs: { axis: A.i(0) },
      });
      n.inputs[2] = bdq;
    }
  }
  g.nodes.push(...newNodes);
  g.toposort();
  return counts;
}
