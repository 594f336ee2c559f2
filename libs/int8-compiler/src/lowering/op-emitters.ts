/**
 * Emitters shared by the QDQ and QOperator loaders: each turns one ONNX op, whose integer
 * inputs and output quantization are already resolved, into plan ops in ONNX's logical
 * layout (the NHWC pass rewrites shapes and axes afterwards).
 */
import { toNumbers } from '../onnx/onnx-proto.js';
import { type OnnxNode, attrFloat, attrInt, attrInts, attrStr, unsupported } from '../onnx/onnx-graph.js';
import { normAxis, windowGeometry } from '../onnx/shape-inference.js';
import { type QuantParams, type PlanDType, sameQuant } from '../plan/plan-ir.js';
import type { LoweringContext } from './lowering-context.js';

export function convAttrs(ctx: LoweringContext, n: OnnxNode, xShape: number[], wShape: number[]) {
  if (xShape.length !== 4) throw unsupported(n, `only 2-D convolutions are supported (input rank ${xShape.length})`);
  const geo = windowGeometry(n, xShape.slice(2), attrInts(n, 'kernel_shape') ?? wShape.slice(2));
  return {
    strides: geo.strides,
    pads: geo.pads,
    dilations: geo.dilations,
    groups: attrInt(n, 'group', 1),
  };
}

export function emitConv(ctx: LoweringContext, n: OnnxNode, x: number, w: { id: number; quant: QuantParams }, biasName: string | undefined, out: number): void {
  const xt = ctx.plan.t(x),
    wt = ctx.plan.t(w.id);
  const attrs = convAttrs(ctx, n, xt.shape, wt.shape);
  const bias = ctx.bias(n, biasName, ctx.quantOfInt(x).scale[0]!, w.quant, wt.shape[0]!);
  ctx.plan.op('conv2d', n.name, bias === undefined ? [x, w.id] : [x, w.id, bias], [out], attrs);
}

/** y = x * W^T + b with W [N,K]; `extraScale` carries Gemm's alpha. */
export function emitFullyConnected(
  ctx: LoweringContext,
  n: OnnxNode,
  x: number,
  w: { id: number; quant: QuantParams },
  biasName: string | undefined,
  out: number,
): void {
  const wt = ctx.plan.t(w.id);
  const bias = ctx.bias(n, biasName, ctx.quantOfInt(x).scale[0]!, w.quant, wt.shape[0]!);
  ctx.plan.op('fully_connected', n.name, bias === undefined ? [x, w.id] : [x, w.id, bias], [out]);
}

export function poolAttrs(n: OnnxNode, xShape: number[]) {
  if (xShape.length !== 4) throw unsupported(n, `only 2-D pooling is supported (input rank ${xShape.length})`);
  const kernel = attrInts(n, 'kernel_shape');
  if (!kernel) throw unsupported(n, 'kernel_shape is required');
  const ceil = attrInt(n, 'ceil_mode', 0) === 1;
  const geo = windowGeometry(n, xShape.slice(2), kernel, ceil);
  const pads = [...geo.pads];
  if (ceil) {
    // Express ceil_mode as extra end padding, which the runtime never lets win or count.
    for (let i = 0; i < 2; i++) {
      const need = (geo.out[i]! - 1) * geo.strides[i]! + geo.dilations[i]! * (kernel[i]! - 1) + 1 - xShape[2 + i]! - pads[i]!;
      pads[2 + i] = Math.max(pads[2 + i]!, need);
    }
  }
  return { kernel, strides: geo.strides, pads, dilations: geo.dilations };
}

/** Requantizes `src` into tensor `out` (different quant) with a one-input concat, which the spec defines as a requantizing copy. */
export function emitRequantize(ctx: LoweringContext, name: string, src: number, out: number): void {
  const rank = ctx.plan.t(src).shape.length;
  ctx.plan.op('concat', name, [src], [out], { axis: Math.max(0, rank - 1) });
}

/**
 * Ops whose quantized output must carry the input's quantization (max_pool, reshape, ...):
 * emits into a temp with the input's quant and requantizes to `out` only if they differ.
 */
export function emitQuantPreserving(ctx: LoweringContext, n: OnnxNode, x: number, out: number, emit: (dst: number) => void): void {
  const xt = ctx.plan.t(x),
    ot = ctx.plan.t(out);
  if (sameQuant(xt.quant, ot.quant) && xt.dtype === ot.dtype) {
    emit(out);
    return;
  }
  const tmp = ctx.temp(`${ot.name}_preq`, xt.dtype, xt.quant, ot.shape);
  emit(tmp);
  emitRequantize(ctx, `${n.name}_requant`, tmp, out);
}

/**
 * Lowers a data-movement or pooling op whose semantics do not depend on quantization.
 * Returns false if `n` is not one of them. Input `x` may be integer or float.
 */
export function emitStructural(ctx: LoweringContext, n: OnnxNode, x: number, out: number): boolean {
  const xShape = ctx.plan.t(x).shape;
  const outShape = ctx.plan.t(out).shape;
  const isQ = ctx.plan.t(x).quant !== null;
  switch (n.opType) {
    case 'MaxPool': {
      if (n.outputs[1]) throw unsupported(n, 'the Indices output is not supported');
      const a = poolAttrs(n, xShape);
      if (isQ) emitQuantPreserving(ctx, n, x, out, (d) => ctx.plan.op('max_pool', n.name, [x], [d], a));
      else throw unsupported(n, 'float max pooling (the runtime pools quantized tensors only)');
      return true;
    }
    case 'Reshape':
    case 'Flatten':
    case 'Squeeze':
    case 'Unsqueeze':
      emitQuantPreserving(ctx, n, x, out, (d) => ctx.plan.op('reshape', n.name, [x], [d]));
      return true;
    case 'Transpose': {
      const perm = attrInts(n, 'perm') ?? xShape.map((_, i) => xShape.length - 1 - i);
      emitQuantPreserving(ctx, n, x, out, (d) => ctx.plan.op('transpose', n.name, [x], [d], { perm }));
      return true;
    }
    case 'Pad': {
      const mode = attrStr(n, 'mode', 'constant');
      if (mode !== 'constant') throw unsupported(n, `pad mode "${mode}" (constant only)`);
      const pads = n.inputs[1] ? toNumbers(ctx.constant(n.inputs[1])!) : attrInts(n, 'pads')!;
      if (pads.some((p) => p < 0)) throw unsupported(n, 'negative pads');
      const cv = n.inputs[2] && ctx.constant(n.inputs[2]) ? Number(ctx.constant(n.inputs[2])!.data[0]) : attrFloat(n, 'value', 0);
      const q = ctx.plan.t(x).quant;
      const value = q ? Math.max(-128, Math.min(255, Math.round(cv / q.scale[0]!) + q.zeroPoint[0]!)) : cv;
      emitQuantPreserving(ctx, n, x, out, (d) => ctx.plan.op('pad', n.name, [x], [d], { pads, value }));
      return true;
    }
    case 'Resize':
    case 'Upsample': {
      if (xShape.length !== 4 || outShape[0] !== xShape[0] || outShape[1] !== xShape[1])
        throw unsupported(n, 'only spatial (H, W) resizing of 4-D tensors is supported');
      const mode = attrStr(n, 'mode', 'nearest');
      const ctm = attrStr(n, 'coordinate_transformation_mode', n.opType === 'Upsample' || ctx.g.opset < 11 ? 'asymmetric' : 'half_pixel');
      const known = ['half_pixel', 'asymmetric', 'align_corners', 'pytorch_half_pixel', 'tf_half_pixel_for_nn'];
      if (!known.includes(ctm)) throw unsupported(n, `coordinate_transformation_mode "${ctm}"`);
      const scalesT = n.opType === 'Resize' ? (n.inputs[2] ? ctx.constant(n.inputs[2]) : undefined) : ctx.constant(n.inputs[1] ?? '');
      const scales = scalesT && scalesT.dims[0] ? toNumbers(scalesT).slice(2) : [outShape[2]! / xShape[2]!, outShape[3]! / xShape[3]!];
      if (mode === 'nearest') {
        const nearestMode = attrStr(n, 'nearest_mode', n.opType === 'Upsample' || ctx.g.opset < 11 ? 'floor' : 'round_prefer_floor');
        emitQuantPreserving(ctx, n, x, out, (d) => ctx.plan.op('resize_nearest', n.name, [x], [d], { coordinateTransformationMode: ctm, nearestMode, scales }));
      } else if (mode === 'linear' || mode === 'bilinear') {
        ctx.plan.op('resize_bilinear', n.name, [x], [out], { coordinateTransformationMode: ctm, scales });
      } else {
        throw unsupported(n, `resize mode "${mode}"`);
      }
      return true;
    }
  }
  return false;
}

/** Emits a quantized or float op that needs a chosen output quantization (average pools, sigmoid, softmax, relu, clip). */
export function emitValueOp(ctx: LoweringContext, n: OnnxNode, x: number, out: number): boolean {
  const xShape = ctx.plan.t(x).shape;
  switch (n.opType) {
    case 'AveragePool': {
      const a = poolAttrs(n, xShape);
      ctx.plan.op('avg_pool', n.name, [x], [out], {
        kernel: a.kernel,
        strides: a.strides,
        pads: a.pads,
        countIncludePad: attrInt(n, 'count_include_pad', 0) === 1,
      });
      return true;
    }
    case 'GlobalAveragePool':
      if (xShape.length !== 4) throw unsupported(n, 'only 4-D inputs');
      ctx.plan.op('global_avg_pool', n.name, [x], [out]);
      return true;
    case 'Sigmoid':
      ctx.plan.op('sigmoid', n.name, [x], [out]);
      return true;
    case 'Softmax': {
      const axis = normAxis(attrInt(n, 'axis', ctx.g.opset >= 13 ? -1 : 1), xShape.length);
      if (ctx.g.opset < 13 && axis !== xShape.length - 1) throw unsupported(n, 'opset<13 Softmax flattens from `axis`; only the last axis is supported');
      ctx.plan.op('softmax', n.name, [x], [out], { axis });
      return true;
    }
    case 'Relu':
      ctx.plan.op('relu', n.name, [x], [out]);
      return true;
    case 'Clip': {
      const { min, max } = clipBounds(ctx, n);
      const xt = ctx.plan.t(x),
        ot = ctx.plan.t(out);
      // Spec: quantized clip needs equal in/out quant; requantize first when they differ.
      if (xt.quant && !sameQuant(xt.quant, ot.quant)) {
        const tmp = ctx.temp(`${ot.name}_preclip`, ot.dtype, ot.quant, ot.shape);
        emitRequantize(ctx, `${n.name}_requant`, x, tmp);
        x = tmp;
      }
      ctx.plan.op('clip', n.name, [x], [out], { min: finiteOrNull(min), max: finiteOrNull(max) });
      return true;
    }
  }
  return false;
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

export function clipBounds(ctx: LoweringContext, n: OnnxNode): { min: number; max: number } {
  if (ctx.g.opset < 11 || n.attrs.min || n.attrs.max) return { min: attrFloat(n, 'min', -Infinity), max: attrFloat(n, 'max', Infinity) };
  const v = (i: number, d: number) => {
    const name = n.inputs[i];
    if (!name) return d;
    const c = ctx.constant(name);
    if (!c) throw unsupported(n, 'min/max must be constants');
    return Number(c.data[0]);
  };
  return { min: v(1, -Infinity), max: v(2, Infinity) };
}

export function outDType(q: { dtype: PlanDType }): PlanDType {
  return q.dtype;
}
