/**
 * Lowers QDQ-form graphs: float ops whose inputs come from DequantizeLinear and whose output
 * (possibly through Relu/Clip) goes into QuantizeLinear run as integer ops, with the Q node's
 * parameters as output quantization, the way ONNX Runtime's QDQ transformer fuses them.
 * Structural ops with no Q after them keep the input's quantization. What the runtime can run
 * in float (softmax, sigmoid, reshapes...) stays float; anything else is an error naming the node.
 */
import { type OnnxNode, attrInt, unsupported } from '../onnx/onnx-graph.js';
import { type QuantParams, sameQuant } from '../plan/plan-ir.js';
import { type LoweringContext, planDType } from './lowering-context.js';
import { emitConv, emitFullyConnected, emitRequantize, emitStructural, emitValueOp } from './op-emitters.js';

const STRUCTURAL = new Set(['MaxPool', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Transpose', 'Pad', 'Resize', 'Upsample']);
const FLOAT_CAPABLE = new Set(['Sigmoid', 'Softmax', 'Relu', 'Clip', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Transpose', 'Pad', 'Concat']);
const ACTIVATIONS = new Set(['Relu', 'Clip']);

export class QdqLoader {
  /** Nodes already lowered as part of another node's pattern (fused Relu/Clip, consumed Q). */
  readonly consumed = new Set<OnnxNode>();
  private consumers: Map<string, OnnxNode[]>;

  constructor(private readonly ctx: LoweringContext) {
    this.consumers = ctx.g.consumerMap();
  }

  dequantize(n: OnnxNode): void {
    const src = n.inputs[0]!;
    const srcDType = this.ctx.g.constants.get(src)?.dtype ?? this.ctx.g.types.get(src)?.dtype ?? 'uint8';
    const { quant, dtype } = this.ctx.quantFrom(n, 1, 2, planDType(srcDType, src), true, this.ctx.shapeOf(src).length);
    this.ctx.dq.set(n.outputs[0]!, { src, quant, dtype, node: n });
  }

  quantize(n: OnnxNode): void {
    if (this.consumed.has(n)) return;
    const ctx = this.ctx;
    const x = n.inputs[0]!;
    const { quant, dtype } = ctx.quantFrom(n, 1, 2, undefined, true, ctx.shapeOf(x).length);
    if (quant.axis !== null) throw unsupported(n, 'per-channel quantization of an activation (the runtime quantizes activations per tensor)');
    const view = ctx.dq.get(x);
    if (view) {
      // Q(DQ(v)): the same integers when the parameters agree, else a requantizing copy.
      const src = ctx.intOf(view.src, n, view.quant);
      if (sameQuant(view.quant, quant) && view.dtype === dtype) {
        ctx.bound.set(n.outputs[0]!, src);
        return;
      }
      emitRequantize(ctx, n.name, src, ctx.output(n.outputs[0]!, dtype, quant));
      return;
    }
    const f = ctx.floatOf(x, n);
    ctx.plan.op('quantize', n.name, [f], [ctx.output(n.outputs[0]!, dtype, quant)]);
  }

  /** Follows Relu/Clip then QuantizeLinear after `n`; undefined if the output is not requantized. */
  private quantizedOutput(n: OnnxNode): { acts: OnnxNode[]; qs: OnnxNode[]; quant: QuantParams; dtype: 'int8' | 'uint8' } | undefined {
    const g = this.ctx.g;
    let cur = n.outputs[0]!;
    const acts: OnnxNode[] = [];
    for (;;) {
      if (g.outputs.includes(cur)) return undefined;
      const cons = this.consumers.get(cur) ?? [];
      if (cons.length === 1 && ACTIVATIONS.has(cons[0]!.opType)) {
        acts.push(cons[0]!);
        cur = cons[0]!.outputs[0]!;
        continue;
      }
      if (cons.length === 0 || !cons.every((c) => c.opType === 'QuantizeLinear' && c.inputs[0] === cur)) return undefined;
      const params = cons.map((c) => this.ctx.quantFrom(c, 1, 2, undefined, true, this.ctx.shapeOf(cur).length));
      const first = params[0]!;
      if (first.quant.axis !== null || first.dtype === 'int32' || first.dtype === 'float32') return undefined;
      if (!params.every((p) => sameQuant(p.quant, first.quant) && p.dtype === first.dtype)) return undefined;
      return { acts, qs: cons, quant: first.quant, dtype: first.dtype };
    }
  }

  /** Lowers a float op; returns false if it is not an op this loader knows. */
  floatOp(n: OnnxNode): boolean {
    if (this.consumed.has(n)) return true;
    const ctx = this.ctx;
    const dataInputs = this.dataInputs(n);
    const allQuantized = dataInputs.every((i) => ctx.dq.has(i) || (ctx.bound.has(i) && ctx.plan.t(ctx.bound.get(i)!).quant !== null));
    const qo = allQuantized ? this.quantizedOutput(n) : undefined;

    if (qo) {
      const outName = qo.qs[0]!.outputs[0]!;
      const shape = ctx.shapeOf(n.outputs[0]!);
      // Main op writes either the final tensor or a temp the fused activations read.
      const main = qo.acts.length === 0 ? ctx.output(outName, qo.dtype, qo.quant) : ctx.temp(n.outputs[0]!, qo.dtype, qo.quant, shape);
      this.emitQuantized(n, main);
      let cur = main;
      qo.acts.forEach((a, i) => {
        const last = i === qo.acts.length - 1;
        const dst = last ? ctx.output(outName, qo.dtype, qo.quant) : ctx.temp(a.outputs[0]!, qo.dtype, qo.quant, shape);
        emitValueOp(ctx, a, cur, dst);
        cur = dst;
        this.consumed.add(a);
      });
      for (const q of qo.qs) {
        ctx.bound.set(q.outputs[0]!, cur);
        this.consumed.add(q);
      }
      return true;
    }

    if (allQuantized && dataInputs.length > 0 && (STRUCTURAL.has(n.opType) || n.opType === 'Relu' || n.opType === 'Concat')) {
      // No Q after it: keep the integers and expose the float result as a dequantized view.
      const srcQ = this.inputQuant(dataInputs[0]!, n);
      const qName = `${n.outputs[0]}__q`;
      if (n.opType === 'Concat') {
        const ins = dataInputs.map((i) => ctx.intOf(i, n));
        const out = ctx.output(qName, srcQ.dtype, srcQ.quant, ctx.shapeOf(n.outputs[0]!));
        ctx.plan.op('concat', n.name, ins, [out], { axis: attrInt(n, 'axis', 0) });
      } else {
        const x = ctx.intOf(dataInputs[0]!, n);
        const out = ctx.output(qName, srcQ.dtype, srcQ.quant, ctx.shapeOf(n.outputs[0]!));
        if (n.opType === 'Relu') ctx.plan.op('relu', n.name, [x], [out]);
        else emitStructural(ctx, n, x, out);
      }
      ctx.dq.set(n.outputs[0]!, { src: qName, quant: srcQ.quant, dtype: srcQ.dtype });
      return true;
    }

    if (FLOAT_CAPABLE.has(n.opType)) {
      const ins = dataInputs.map((i) => ctx.floatOf(i, n));
      const out = ctx.output(n.outputs[0]!, 'float32', null);
      if (n.opType === 'Concat') ctx.plan.op('concat', n.name, ins, [out], { axis: attrInt(n, 'axis', 0) });
      else if (!emitStructural(ctx, n, ins[0]!, out)) emitValueOp(ctx, n, ins[0]!, out);
      return true;
    }
    if (['Conv', 'Gemm', 'MatMul', 'Add', 'AveragePool', 'GlobalAveragePool', 'MaxPool', 'Resize'].includes(n.opType)) {
      throw unsupported(
        n,
        'its inputs are not quantized (no DequantizeLinear in front) or its output is not followed by QuantizeLinear; the runtime has no float version',
      );
    }
    return false;
  }

  private inputQuant(name: string, n: OnnxNode): { quant: QuantParams; dtype: 'int8' | 'uint8' } {
    const view = this.ctx.dq.get(name);
    if (view) {
      if (view.quant.axis !== null) throw unsupported(n, 'per-channel activation quantization');
      return { quant: view.quant, dtype: view.dtype as 'int8' | 'uint8' };
    }
    const t = this.ctx.plan.t(this.ctx.bound.get(name)!);
    return { quant: t.quant!, dtype: t.dtype as 'int8' | 'uint8' };
  }

  /** Activation (non-weight) inputs of a node; constant operands of Add/Concat count as data. */
  private dataInputs(n: OnnxNode): string[] {
    switch (n.opType) {
      case 'Conv':
      case 'Gemm':
      case 'MatMul':
        return [n.inputs[0]!];
      case 'Add':
      case 'Concat':
        return n.inputs.filter(Boolean);
      default:
        return n.inputs[0] ? [n.inputs[0]] : [];
    }
  }

  private emitQuantized(n: OnnxNode, out: number): void {
    const ctx = this.ctx;
    switch (n.opType) {
      case 'Conv': {
        const x = ctx.intOf(n.inputs[0]!, n);
        emitConv(ctx, n, x, ctx.weight(n, n.inputs[1]!), n.inputs[2], out);
        return;
      }
      case 'Gemm': {
        if (attrInt(n, 'transA', 0) !== 0) throw unsupported(n, 'transA=1');
        const alpha = n.attrs.alpha && n.attrs.alpha.kind === 'f' ? n.attrs.alpha.v : 1;
        const beta = n.attrs.beta && n.attrs.beta.kind === 'f' ? n.attrs.beta.v : 1;
        if (alpha !== 1 || (beta !== 1 && n.inputs[2])) throw unsupported(n, 'alpha/beta other than 1');
        const x = ctx.intOf(n.inputs[0]!, n);
        const w = ctx.weight(n, n.inputs[1]!, attrInt(n, 'transB', 0) === 0);
        emitFullyConnected(ctx, n, x, w, this.vectorBias(n, n.inputs[2], ctx.plan.t(w.id).shape[0]!), out);
        return;
      }
      case 'MatMul': {
        const x = ctx.intOf(n.inputs[0]!, n);
        emitFullyConnected(ctx, n, x, ctx.weight(n, n.inputs[1]!, true), undefined, out);
        return;
      }
      case 'Add': {
        const [a, b] = n.inputs.map((i) => ctx.intOf(i, n));
        for (const id of [a!, b!]) if (ctx.plan.t(id).quant?.axis !== null) throw unsupported(n, 'per-channel quantized operand');
        ctx.plan.op('add', n.name, [a!, b!], [out]);
        return;
      }
      case 'Concat': {
        const ins = n.inputs.map((i) => ctx.intOf(i, n));
        ctx.plan.op('concat', n.name, ins, [out], { axis: attrInt(n, 'axis', 0) });
        return;
      }
      default: {
        const x = ctx.intOf(n.inputs[0]!, n);
        if (STRUCTURAL.has(n.opType)) {
          emitStructural(ctx, n, x, out);
          return;
        }
        if (emitValueOp(ctx, n, x, out)) return;
        throw unsupported(n);
      }
    }
  }

  /** Gemm's C must be a per-output vector to be a bias. */
  private vectorBias(n: OnnxNode, name: string | undefined, channels: number): string | undefined {
    if (!name) return undefined;
    const view = this.ctx.dq.get(name);
    const c = this.ctx.constant(view ? view.src : name);
    if (!c) throw unsupported(n, 'C must be a constant');
    const count = c.dims.reduce((a, b) => a * b, 1);
    if (count !== channels && count !== 1) throw unsupported(n, 'C must be a per-output-channel vector (a matrix bias is not supported)');
    return name;
  }
}
