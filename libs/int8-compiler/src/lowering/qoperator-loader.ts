/**
 * Lowers QOperator-form nodes (QLinearConv, QLinearMatMul, ConvInteger, MatMulInteger and
 * ONNX Runtime's com.microsoft QLinearAdd / QLinearGlobalAveragePool / QLinearConcat), plus
 * structural ops applied directly to integer tensors, which keep their input's quantization.
 */
import { type OnnxNode, attrInt, unsupported } from '../onnx/onnx-graph.js';
import type { QuantParams } from '../plan/plan-ir.js';
import type { LoweringContext } from './lowering-context.js';
import { emitConv, emitFullyConnected, emitStructural, emitValueOp } from './op-emitters.js';

const UNIT: QuantParams = { scale: [1], zeroPoint: [0], axis: null };

export class QOperatorLoader {
  constructor(private readonly ctx: LoweringContext) {}

  /** Returns false if `n` is not a QOperator node (or a structural op on integers). */
  lower(n: OnnxNode): boolean {
    const ctx = this.ctx;
    const q = (s: number, z: number, rank = 4) => ctx.quantFrom(n, s, z, undefined, false, rank);
    switch (n.opType) {
      case 'QLinearConv': {
        const x = ctx.intOf(n.inputs[0]!, n, this.perTensor(n, q(1, 2).quant));
        const wq = q(4, 5).quant;
        const w = ctx.weight(n, n.inputs[3]!, false);
        this.setWeightQuant(n, w.id, wq, 0);
        const y = q(6, 7);
        emitConv(ctx, n, x, { id: w.id, quant: ctx.plan.t(w.id).quant! }, n.inputs[8], ctx.output(n.outputs[0]!, y.dtype, this.perTensor(n, y.quant)));
        return true;
      }
      case 'QLinearMatMul': {
        const x = ctx.intOf(n.inputs[0]!, n, this.perTensor(n, q(1, 2).quant));
        const b = ctx.constant(n.inputs[3]!);
        if (!b || b.dims.length !== 2) throw unsupported(n, 'B must be a constant 2-D matrix (batched activation x activation MatMul is not supported)');
        const w = ctx.weight(n, n.inputs[3]!, true);
        this.setWeightQuant(n, w.id, q(4, 5).quant, 0);
        const y = q(6, 7);
        emitFullyConnected(ctx, n, x, { id: w.id, quant: ctx.plan.t(w.id).quant! }, undefined, ctx.output(n.outputs[0]!, y.dtype, this.perTensor(n, y.quant)));
        return true;
      }
      case 'ConvInteger':
      case 'MatMulInteger': {
        if (ctx.opts.integerAccumulators !== 'int8-unit-scale') {
          throw unsupported(
            n,
            'its output is raw int32 accumulators, which plan v1 cannot store; compile with integerAccumulators: "int8-unit-scale" to emit them through an int8 unit-scale tensor (exact for |acc| <= 127)',
          );
        }
        ctx.warn(`${n.opType} "${n.name}": int32 accumulators emitted as int8 with scale 1; values outside [-128, 127] saturate`);
        const zp = (i: number) => (n.inputs[i] && ctx.constant(n.inputs[i]!) ? Number(ctx.constant(n.inputs[i]!)!.data[0]) : 0);
        const x = ctx.intOf(n.inputs[0]!, n, { scale: [1], zeroPoint: [zp(2)], axis: null });
        const isConv = n.opType === 'ConvInteger';
        if (!isConv && ctx.constant(n.inputs[1]!)?.dims.length !== 2) throw unsupported(n, 'B must be a constant 2-D matrix');
        const w = ctx.weight(n, n.inputs[1]!, !isConv);
        this.setWeightQuant(n, w.id, { scale: [1], zeroPoint: [zp(3)], axis: null }, 0);
        const acc = ctx.temp(`${n.outputs[0]}_acc`, 'int8', UNIT, ctx.shapeOf(n.outputs[0]!));
        const wq = { id: w.id, quant: ctx.plan.t(w.id).quant! };
        if (isConv) emitConv(ctx, n, x, wq, undefined, acc);
        else emitFullyConnected(ctx, n, x, wq, undefined, acc);
        ctx.plan.op('dequantize', `${n.name}_to_float`, [acc], [ctx.output(n.outputs[0]!, 'float32', null)]);
        return true;
      }
      case 'QLinearAdd': {
        const a = ctx.intOf(n.inputs[0]!, n, this.perTensor(n, q(1, 2).quant));
        const b = ctx.intOf(n.inputs[3]!, n, this.perTensor(n, q(4, 5).quant));
        const y = q(6, 7);
        ctx.plan.op('add', n.name, [a, b], [ctx.output(n.outputs[0]!, y.dtype, this.perTensor(n, y.quant))]);
        return true;
      }
      case 'QLinearGlobalAveragePool': {
        if (attrInt(n, 'channels_last', 0) !== 0) throw unsupported(n, 'channels_last=1');
        const x = ctx.intOf(n.inputs[0]!, n, this.perTensor(n, q(1, 2).quant));
        const y = q(3, 4);
        ctx.plan.op('global_avg_pool', n.name, [x], [ctx.output(n.outputs[0]!, y.dtype, this.perTensor(n, y.quant))]);
        return true;
      }
      case 'QLinearConcat': {
        const y = q(0, 1);
        const ins: number[] = [];
        for (let i = 2; i + 2 < n.inputs.length + 1; i += 3) ins.push(ctx.intOf(n.inputs[i]!, n, this.perTensor(n, q(i + 1, i + 2).quant)));
        ctx.plan.op('concat', n.name, ins, [ctx.output(n.outputs[0]!, y.dtype, this.perTensor(n, y.quant))], { axis: attrInt(n, 'axis', 0) });
        return true;
      }
    }
    if (n.domain === 'com.microsoft' || n.opType.startsWith('QLinear')) throw unsupported(n);
    // Structural ops and pools on integer tensors keep the input's quantization.
    const x = n.inputs[0] ? ctx.bound.get(n.inputs[0]) : undefined;
    if (x === undefined || ctx.plan.t(x).quant === null || ctx.dq.has(n.inputs[0]!)) return false;
    const xt = ctx.plan.t(x);
    const out = ctx.output(n.outputs[0]!, xt.dtype, xt.quant);
    if (emitStructural(ctx, n, x, out)) return true;
    if (n.opType === 'Relu' || n.opType === 'Clip') return emitValueOp(ctx, n, x, out);
    throw unsupported(n, 'not supported on integer tensors');
  }

  private perTensor(n: OnnxNode, q: QuantParams): QuantParams {
    if (q.scale.length !== 1) throw unsupported(n, 'per-channel activation quantization');
    return { ...q, axis: null };
  }

  /** QOperator weights carry their quant in separate inputs; per-channel means along output channels. */
  private setWeightQuant(n: OnnxNode, id: number, q: QuantParams, axis: number): void {
    const t = this.ctx.plan.t(id);
    const perChannel = q.scale.length > 1;
    if (perChannel && q.zeroPoint.some((z) => z !== 0)) throw unsupported(n, 'per-channel weights must be symmetric (zero points 0)');
    if (perChannel && t.dtype !== 'int8') throw unsupported(n, 'per-channel weights must be int8');
    t.quant = { scale: q.scale, zeroPoint: perChannel ? new Array(q.scale.length).fill(0) : [q.zeroPoint[0] ?? 0], axis: perChannel ? axis : null };
  }
}
