/**
 * Static shape and element-type inference for the ops the compiler accepts. The runtime's
 * plan carries fixed shapes, so every value must end up with one; an op whose shape cannot
 * be worked out here is reported as unsupported rather than guessed.
 */
import { DomainError } from '@farm/contracts';
import { type DType, type Tensor, toNumbers } from './onnx-proto.js';
import { type OnnxGraph, type OnnxNode, type ValueType, attrInt, attrInts, attrStr, unsupported } from './onnx-graph.js';

/** Explicit geometry of a conv or pool window after resolving auto_pad and ceil_mode. */
export interface WindowGeometry {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** [begin_0, begin_1, ..., end_0, end_1, ...] as in ONNX. */
  pads: number[];
  out: number[];
}

export function windowGeometry(n: OnnxNode, inSpatial: number[], kernel: number[], ceil = false): WindowGeometry {
  const r = inSpatial.length;
  const strides = attrInts(n, 'strides') ?? new Array(r).fill(1);
  const dilations = attrInts(n, 'dilations') ?? new Array(r).fill(1);
  const autoPad = attrStr(n, 'auto_pad', 'NOTSET');
  let pads = attrInts(n, 'pads') ?? new Array(2 * r).fill(0);
  const out: number[] = [];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    pads = new Array(2 * r).fill(0);
    for (let i = 0; i < r; i++) {
      const o = Math.ceil(inSpatial[i]! / strides[i]!);
      const total = Math.max(0, (o - 1) * strides[i]! + dilations[i]! * (kernel[i]! - 1) + 1 - inSpatial[i]!);
      const small = Math.floor(total / 2);
      pads[i] = autoPad === 'SAME_UPPER' ? small : total - small;
      pads[i + r] = total - pads[i]!;
      out.push(o);
    }
  } else {
    if (autoPad === 'VALID') pads = new Array(2 * r).fill(0);
    for (let i = 0; i < r; i++) {
      const span = inSpatial[i]! + pads[i]! + pads[i + r]! - dilations[i]! * (kernel[i]! - 1) - 1;
      let o = (ceil ? Math.ceil(span / strides[i]!) : Math.floor(span / strides[i]!)) + 1;
      // With ceil_mode the last window must still start inside the (left-padded) input.
      if (ceil && (o - 1) * strides[i]! >= inSpatial[i]! + pads[i]!) o--;
      out.push(o);
    }
  }
  return { kernel, strides, dilations, pads, out };
}

export function broadcastShapes(a: number[], b: number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new DomainError('MODEL_INVALID', `shapes [${a}] and [${b}] do not broadcast`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

export function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/** Reshape target with ONNX's 0 (copy) and -1 (infer) resolved. */
export function reshapeTarget(inShape: number[], target: number[], allowZero = false): number[] {
  const out = target.map((d, i) => (d === 0 && !allowZero ? inShape[i]! : d));
  const total = inShape.reduce((a, b) => a * b, 1);
  const known = out.reduce((a, d) => (d === -1 ? a : a * d), 1);
  return out.map((d) => (d === -1 ? total / known : d));
}

export function matmulShape(a: number[], b: number[]): number[] {
  const a2 = a.length === 1 ? [1, a[0]!] : a;
  const b2 = b.length === 1 ? [b[0]!, 1] : b;
  const batch = broadcastShapes(a2.slice(0, -2), b2.slice(0, -2));
  const out = [...batch, a2[a2.length - 2]!, b2[b2.length - 1]!];
  if (a.length === 1) out.splice(out.length - 2, 1);
  if (b.length === 1) out.splice(out.length - 1, 1);
  return out;
}

/**
 * Output types of node `n`, given the graph's current knowledge. Returns undefined entries
 * for outputs whose type is not inferable; throws for ops the compiler does not know at all.
 */
export function inferNode(g: OnnxGraph, n: OnnxNode): (ValueType | undefined)[] {
  const t = (i: number): ValueType | undefined => {
    const name = n.inputs[i];
    if (!name) return undefined;
    const c = g.constants.get(name);
    if (c) return { dtype: c.dtype, shape: c.dims };
    return g.types.get(name);
  };
  const s = (i: number): number[] => {
    const v = t(i);
    if (!v?.shape) throw new DomainError('DYNAMIC_SHAPE_UNRESOLVED', `input ${i} ("${n.inputs[i]}") of ${n.opType} node "${n.name}" has no static shape`);
    return v.shape;
  };
  const c = (i: number): Tensor | undefined => (n.inputs[i] ? g.constants.get(n.inputs[i]!) : undefined);
  const dt = (i: number, d: DType = 'float32'): DType => t(i)?.dtype ?? d;
  const same = (i = 0): ValueType[] => [{ dtype: dt(i), shape: s(i) }];

  switch (n.opType) {
    case 'Conv':
    case 'ConvInteger':
    case 'QLinearConv': {
      const x = s(0);
      const w = s(n.opType === 'QLinearConv' ? 3 : 1);
      const k = attrInts(n, 'kernel_shape') ?? w.slice(2);
      const geo = windowGeometry(n, x.slice(2), k);
      const dtype: DType = n.opType === 'Conv' ? 'float32' : n.opType === 'ConvInteger' ? 'int32' : dt(7, 'uint8');
      return [{ dtype, shape: [x[0]!, w[0]!, ...geo.out] }];
    }
    case 'MaxPool':
    case 'AveragePool': {
      const x = s(0);
      const geo = windowGeometry(n, x.slice(2), attrInts(n, 'kernel_shape') ?? [], attrInt(n, 'ceil_mode', 0) === 1);
      return [{ dtype: dt(0), shape: [x[0]!, x[1]!, ...geo.out] }, undefined];
    }
    case 'GlobalAveragePool':
    case 'GlobalMaxPool':
    case 'QLinearGlobalAveragePool': {
      const x = s(0);
      const channelsLast = attrInt(n, 'channels_last', 0) === 1;
      if (channelsLast) return [{ dtype: dt(0), shape: [x[0]!, ...x.slice(1, -1).map(() => 1), x[x.length - 1]!] }];
      return [{ dtype: dt(0), shape: [x[0]!, x[1]!, ...x.slice(2).map(() => 1)] }];
    }
    case 'MatMul':
      return [{ dtype: 'float32', shape: matmulShape(s(0), s(1)) }];
    case 'MatMulInteger':
      return [{ dtype: 'int32', shape: matmulShape(s(0), s(1)) }];
    case 'QLinearMatMul':
      return [{ dtype: dt(7, 'uint8'), shape: matmulShape(s(0), s(3)) }];
    case 'Gemm': {
      const a = s(0),
        b = s(1);
      const m = attrInt(n, 'transA', 0) ? a[1]! : a[0]!;
      const nn = attrInt(n, 'transB', 0) ? b[0]! : b[1]!;
      return [{ dtype: 'float32', shape: [m, nn] }];
    }
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div':
    case 'Pow':
    case 'Max':
    case 'Min':
      return [{ dtype: dt(0), shape: broadcastShapes(s(0), s(1)) }];
    case 'QLinearAdd':
    case 'QLinearMul':
      return [{ dtype: dt(7, dt(0)), shape: broadcastShapes(s(0), s(3)) }];
    case 'Relu':
    case 'Clip':
    case 'Sigmoid':
    case 'Tanh':
    case 'LeakyRelu':
    case 'HardSigmoid':
    case 'HardSwish':
    case 'Identity':
    case 'Softmax':
    case 'Neg':
    case 'Abs':
    case 'Sqrt':
    case 'Exp':
    case 'Erf':
    case 'Floor':
    case 'Ceil':
    case 'Round':
      return same(0);
    case 'BatchNormalization':
      return [{ dtype: dt(0), shape: s(0) }];
    case 'QuantizeLinear':
      return [{ dtype: dt(2, 'uint8'), shape: s(0) }];
    case 'DequantizeLinear':
      return [{ dtype: 'float32', shape: s(0) }];
    case 'DynamicQuantizeLinear':
      return [
        { dtype: 'uint8', shape: s(0) },
        { dtype: 'float32', shape: [] },
        { dtype: 'uint8', shape: [] },
      ];
    case 'Cast': {
      const to = attrInt(n, 'to', 1);
      const map: Record<number, DType> = { 1: 'float32', 2: 'uint8', 3: 'int8', 6: 'int32', 7: 'int64', 9: 'bool', 11: 'float64' };
      return [{ dtype: map[to] ?? 'float32', shape: s(0) }];
    }
    case 'Concat':
    case 'QLinearConcat': {
      const first = n.opType === 'QLinearConcat' ? 2 : 0;
      const step = n.opType === 'QLinearConcat' ? 3 : 1;
      const shapes: number[][] = [];
      for (let i = first; i < n.inputs.length; i += step) shapes.push(s(i));
      const axis = normAxis(attrInt(n, 'axis', 0), shapes[0]!.length);
      const out = [...shapes[0]!];
      out[axis] = shapes.reduce((a, sh) => a + sh[axis]!, 0);
      return [{ dtype: n.opType === 'QLinearConcat' ? dt(first, 'uint8') : dt(0), shape: out }];
    }
    case 'Pad': {
      const x = s(0);
      const p = c(1) ? toNumbers(c(1)!) : attrInts(n, 'pads');
      if (!p) throw unsupported(n, 'pads must be a constant');
      const r = x.length;
      return [{ dtype: dt(0), shape: x.map((d, i) => d + p[i]! + p[i + r]!) }];
    }
    case 'Resize':
    case 'Upsample': {
      const x = s(0);
      const sizes = n.opType === 'Resize' ? c(3) : undefined;
      if (sizes && sizes.dims[0]) return [{ dtype: dt(0), shape: toNumbers(sizes) }];
      const scales = n.opType === 'Resize' ? (c(2) ?? (g.opset < 11 ? c(1) : undefined)) : c(1);
      if (!scales || scales.dims[0] === 0) throw unsupported(n, 'scales or sizes must be constants');
      const sc = toNumbers(scales);
      return [{ dtype: dt(0), shape: x.map((d, i) => Math.floor(d * sc[i]!)) }];
    }
    case 'Reshape': {
      const target = c(1);
      if (!target) throw unsupported(n, 'the target shape must be static (constant-foldable)');
      return [{ dtype: dt(0), shape: reshapeTarget(s(0), toNumbers(target), attrInt(n, 'allowzero', 0) === 1) }];
    }
    case 'Flatten': {
      const x = s(0);
      const axis = normAxis(attrInt(n, 'axis', 1), x.length);
      const a = x.slice(0, axis).reduce((p, d) => p * d, 1);
      return [{ dtype: dt(0), shape: [a, x.slice(axis).reduce((p, d) => p * d, 1)] }];
    }
    case 'Transpose': {
      const x = s(0);
      const perm = attrInts(n, 'perm') ?? x.map((_, i) => x.length - 1 - i);
      return [{ dtype: dt(0), shape: perm.map((p) => x[p]!) }];
    }
    case 'Squeeze': {
      const x = s(0);
      const ax = (c(1) ? toNumbers(c(1)!) : attrInts(n, 'axes'))?.map((a) => normAxis(a, x.length));
      return [{ dtype: dt(0), shape: x.filter((d, i) => (ax ? !ax.includes(i) : d !== 1)) }];
    }
    case 'Unsqueeze': {
      const x = s(0);
      const axes = c(1) ? toNumbers(c(1)!) : (attrInts(n, 'axes') ?? []);
      const r = x.length + axes.length;
      const ax = axes.map((a) => normAxis(a, r));
      const out: number[] = [];
      let j = 0;
      for (let i = 0; i < r; i++) out.push(ax.includes(i) ? 1 : x[j++]!);
      return [{ dtype: dt(0), shape: out }];
    }
    case 'Shape':
      return [{ dtype: 'int64', shape: [s(0).length] }];
    case 'Gather': {
      const x = s(0),
        idx = s(1);
      const axis = normAxis(attrInt(n, 'axis', 0), x.length);
      return [{ dtype: dt(0), shape: [...x.slice(0, axis), ...idx, ...x.slice(axis + 1)] }];
    }
    case 'ConstantOfShape': {
      const sh = c(0);
      if (!sh) throw unsupported(n, 'the shape input must be static');
      return [{ dtype: 'float32', shape: toNumbers(sh) }];
    }
    default:
      throw unsupported(n);
  }
}

/** Runs inference over the whole graph in order, filling g.types. */
export function inferShapes(g: OnnxGraph): void {
  g.toposort();
  for (const n of g.nodes) {
    const outs = inferNode(g, n);
    n.outputs.forEach((o, i) => {
      const v = outs[i];
      if (o && v) g.types.set(o, v);
    });
  }
}
