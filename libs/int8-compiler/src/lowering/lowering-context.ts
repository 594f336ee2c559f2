/**
 * Shared state and emitters for lowering a folded ONNX graph into the plan IR. Both input
 * forms end up here: the QDQ loader recognises DequantizeLinear -> op -> QuantizeLinear
 * patterns, the QOperator loader reads QLinear* nodes, and both call the same emitters, so
 * weight, bias and clamp handling exist once.
 */
import { DomainError } from '@farm/contracts';
import { type Tensor, type TensorData, numel, toNumbers } from '../onnx/onnx-proto.js';
import { type OnnxGraph, type OnnxNode, attrInt, unsupported } from '../onnx/onnx-graph.js';
import { roundHalfEven } from '../passes/constant-fold.pass.js';
import { type PlanDType, type QuantParams, PlanGraph, sameQuant } from '../plan/plan-ir.js';

/** A float ONNX value that is DequantizeLinear(src): kept virtual until something needs floats. */
export interface DqView {
  src: string;
  quant: QuantParams;
  dtype: PlanDType;
  /** The DequantizeLinear node, so errors at materialization name it. */
  node?: OnnxNode;
}

export interface LoweringOptions {
  /**
   * ConvInteger/MatMulInteger produce raw int32 accumulators, which plan v1 has no op for.
   * 'int8-unit-scale' emits them as int8 with scale 1 (exact while |acc| <= 127, saturating
   * beyond) followed by a float dequantize; the default refuses them.
   */
  integerAccumulators?: 'reject' | 'int8-unit-scale';
}

export class LoweringContext {
  readonly plan = new PlanGraph();
  /** ONNX value name -> plan tensor id (quantized or float). */
  readonly bound = new Map<string, number>();
  readonly dq = new Map<string, DqView>();
  /** Graph inputs whose quantization is taken from their first quantized consumer. */
  private readonly openInputs = new Set<string>();
  private readonly dequantized = new Map<string, number>();
  readonly warnings: string[] = [];

  constructor(
    readonly g: OnnxGraph,
    readonly opts: LoweringOptions = {},
  ) {}

  shapeOf(name: string): number[] {
    const c = this.g.constants.get(name);
    if (c) return c.dims;
    const s = this.g.types.get(name)?.shape;
    if (!s) throw new DomainError('DYNAMIC_SHAPE_UNRESOLVED', `value "${name}" has no static shape`);
    return s;
  }

  declareInputs(): void {
    for (const name of this.g.inputs) {
      const t = this.g.types.get(name);
      if (!t?.shape) throw new DomainError('DYNAMIC_SHAPE_UNRESOLVED', `graph input "${name}" needs a static shape`);
      const dtype = planDType(t.dtype, name);
      const quantized = dtype === 'int8' || dtype === 'uint8';
      const pt = this.plan.add({ name, dtype, shape: t.shape, quant: quantized ? { scale: [1], zeroPoint: [0], axis: null } : null });
      if (quantized) this.openInputs.add(name);
      this.bound.set(name, pt.id);
      this.plan.inputs.push(pt.id);
    }
  }

  constant(name: string): Tensor | undefined {
    return this.g.constants.get(name);
  }

  /** Reads DequantizeLinear/QuantizeLinear-style (scale, zero point) inputs, which must be constants. */
  quantFrom(
    n: OnnxNode,
    scaleIdx: number,
    zpIdx: number,
    valueDType: PlanDType | undefined,
    axisAttr = true,
    rank = 4,
  ): { quant: QuantParams; dtype: PlanDType } {
    const s = n.inputs[scaleIdx] ? this.constant(n.inputs[scaleIdx]!) : undefined;
    if (!s) throw unsupported(n, `scale input ${scaleIdx} must be a constant`);
    const zName = n.inputs[zpIdx];
    const z = zName ? this.constant(zName) : undefined;
    if (zName && !z) throw unsupported(n, `zero point input ${zpIdx} must be a constant`);
    const dtype = z ? planDType(z.dtype, zName!) : (valueDType ?? 'uint8');
    const scale = toNumbers(s);
    const zeroPoint = z ? toNumbers(z) : new Array(scale.length).fill(0);
    let axis: number | null = null;
    if (scale.length > 1) {
      const a = axisAttr ? attrInt(n, 'axis', 1) : 1;
      axis = a < 0 ? a + rank : a;
    }
    return { quant: { scale, zeroPoint, axis }, dtype };
  }

  /** The integer plan tensor behind an ONNX value (an integer value, or a DequantizeLinear view). */
  intOf(name: string, n: OnnxNode, quant?: QuantParams): number {
    const view = this.dq.get(name);
    if (view) return this.intOf(view.src, n, view.quant);
    const b = this.bound.get(name);
    if (b !== undefined) {
      const t = this.plan.t(b);
      if (quant) {
        if (this.openInputs.has(name)) {
          t.quant = quant;
          this.openInputs.delete(name);
        } else if (!sameQuant(t.quant, quant)) {
          throw unsupported(n, `value "${name}" is read with quantization parameters different from those it was produced with`);
        }
      }
      return b;
    }
    const c = this.constant(name);
    if (c) {
      const dtype = planDType(c.dtype, name);
      const pt = this.plan.add({
        name,
        dtype,
        shape: c.dims,
        quant: dtype === 'int32' || dtype === 'float32' ? (quant ?? null) : (quant ?? { scale: [1], zeroPoint: [0], axis: null }),
        data: c.data,
      });
      return pt.id;
    }
    throw unsupported(n, `input "${name}" is neither quantized nor a constant`);
  }

  /** The float plan tensor for an ONNX value, materializing a dequantize for DQ views. */
  floatOf(name: string, n: OnnxNode): number {
    const b = this.bound.get(name);
    if (b !== undefined && this.plan.t(b).dtype === 'float32') return b;
    const done = this.dequantized.get(name);
    if (done !== undefined) return done;
    const view = this.dq.get(name);
    if (view) {
      if (view.node) n = view.node;
      if (view.quant.axis !== null && !this.constant(view.src))
        throw unsupported(n, 'per-channel dequantization of an activation (the runtime quantizes activations per tensor)');
      const c = this.constant(view.src);
      if (c) {
        // A dequantized constant is just a float constant.
        const f = new Float32Array(numel(c.dims));
        const inner = view.quant.axis === null ? 1 : numel(c.dims.slice(view.quant.axis + 1));
        const ch = view.quant.axis === null ? 1 : c.dims[view.quant.axis]!;
        for (let i = 0; i < f.length; i++) {
          const k = view.quant.axis === null ? 0 : Math.floor(i / inner) % ch;
          f[i] = (Number(c.data[i]) - view.quant.zeroPoint[k]!) * view.quant.scale[k]!;
        }
        const pt = this.plan.add({ name, dtype: 'float32', shape: c.dims, quant: null, data: f });
        this.dequantized.set(name, pt.id);
        return pt.id;
      }
      const src = this.intOf(view.src, n, view.quant);
      const out = this.plan.add({ name, dtype: 'float32', shape: this.shapeOf(name), quant: null });
      this.plan.op('dequantize', n.name, [src], [out.id]);
      this.dequantized.set(name, out.id);
      return out.id;
    }
    const c = this.constant(name);
    if (c && c.dtype === 'float32') {
      const pt = this.plan.add({ name, dtype: 'float32', shape: c.dims, quant: null, data: c.data });
      this.dequantized.set(name, pt.id);
      return pt.id;
    }
    if (b !== undefined) throw unsupported(n, `input "${name}" is an integer tensor where a float one is needed (missing DequantizeLinear?)`);
    throw unsupported(n, `input "${name}" has no producer the compiler understands`);
  }

  quantOfInt(id: number): QuantParams {
    const q = this.plan.t(id).quant;
    if (!q) throw new Error(`plan tensor ${id} is not quantized`);
    return q;
  }

  /** New activation tensor bound to an ONNX value name. */
  output(name: string, dtype: PlanDType, quant: QuantParams | null, shape = this.shapeOf(name)): number {
    const t = this.plan.add({ name, dtype, shape, quant });
    this.bound.set(name, t.id);
    return t.id;
  }

  temp(base: string, dtype: PlanDType, quant: QuantParams | null, shape: number[]): number {
    return this.plan.add({ name: base, dtype, shape, quant }).id;
  }

  /**
   * Bias for conv/FC at the spec's scale s_x * s_w[o]. Accepts an int32 DQ view (rescaled only
   * if its scale differs), a float constant, or an int32 constant already at that scale.
   */
  bias(n: OnnxNode, name: string | undefined, sx: number, wq: QuantParams, channels: number, extraScale = 1): number | undefined {
    if (!name) return undefined;
    const target = (o: number) => Math.fround(sx) * Math.fround(wq.scale[wq.scale.length === 1 ? 0 : o]!) * extraScale;
    const out = new Int32Array(channels);
    const view = this.dq.get(name);
    const c = this.constant(view ? view.src : name);
    if (!c) throw unsupported(n, `bias "${name}" must be a constant`);
    if (numel(c.dims) !== channels && numel(c.dims) !== 1) throw unsupported(n, `bias of ${numel(c.dims)} values for ${channels} output channels`);
    const at = (o: number) => Number(c.data[numel(c.dims) === 1 ? 0 : o]);
    for (let o = 0; o < channels; o++) {
      let real: number;
      if (view) {
        const k = view.quant.scale.length === 1 ? 0 : o;
        real = (at(o) - view.quant.zeroPoint[k]!) * view.quant.scale[k]!;
        // Already at the target scale: keep the integers bit-exact.
        if (view.quant.zeroPoint[k] === 0 && Math.abs(view.quant.scale[k]! - target(o)) <= 1e-6 * target(o)) {
          out[o] = at(o);
          continue;
        }
      } else if (c.dtype === 'int32') {
        out[o] = at(o);
        continue;
      } else {
        real = at(o);
      }
      out[o] = Math.max(-2147483648, Math.min(2147483647, roundHalfEven(real / target(o))));
    }
    return this.plan.add({ name: `${n.name}_bias`, dtype: 'int32', shape: [channels], quant: null, data: out }).id;
  }

  /** A constant weight tensor with its quant, optionally transposed from [K,N] to [N,K]. */
  weight(n: OnnxNode, name: string, transposeKN = false): { id: number; quant: QuantParams } {
    const view = this.dq.get(name);
    const src = view ? view.src : name;
    const c = this.constant(src);
    if (!c) throw unsupported(n, `weights "${name}" must be constant (the runtime packs weights at load time)`);
    if (c.dtype !== 'int8' && c.dtype !== 'uint8') throw unsupported(n, `weights "${name}" are ${c.dtype}; expected int8/uint8 (quantize the model first)`);
    let quant = view ? view.quant : { scale: [1], zeroPoint: [0], axis: null };
    let dims = c.dims,
      data: TensorData = c.data;
    if (transposeKN) {
      if (dims.length !== 2) throw unsupported(n, 'only 2-D constant weights are supported for MatMul/Gemm');
      const [K, N] = dims as [number, number];
      const t = c.dtype === 'int8' ? new Int8Array(K * N) : new Uint8Array(K * N);
      for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) t[j * K + k] = Number(c.data[k * N + j]);
      dims = [N, K];
      data = t;
      if (quant.axis !== null) quant = { ...quant, axis: quant.axis === 1 ? 0 : 1 };
    }
    if (quant.axis !== null) {
      if (quant.axis !== 0) throw unsupported(n, `per-channel weights must be quantized along the output-channel axis`);
      if (quant.zeroPoint.some((z) => z !== 0)) throw unsupported(n, 'per-channel weights must be symmetric (zero points 0)');
      if (c.dtype !== 'int8') throw unsupported(n, 'per-channel weights must be int8');
    }
    const id = this.plan.add({ name: src, dtype: c.dtype, shape: dims, quant, data }).id;
    return { id, quant };
  }

  warn(msg: string): void {
    if (!this.warnings.includes(msg)) this.warnings.push(msg);
  }
}

export function planDType(d: string, name: string): PlanDType {
  if (d === 'int8' || d === 'uint8' || d === 'int32' || d === 'float32') return d;
  throw new DomainError('FRAMEWORK_UNSUPPORTED', `value "${name}" has element type ${d}, which the int8 runtime does not store`);
}
