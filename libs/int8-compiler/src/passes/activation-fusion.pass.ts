/**
 * Fuses standalone quantized Relu/Clip into the preceding conv/fc/add/pool as the spec's
 * output clamp (clampMin/clampMax in the output's quantized domain). Quantization is monotonic
 * and Q(0) = zero point, so Q(relu(v)) = max(Q(v), z) and Q(clip(v, a, b)) = clamp(Q(v), Q(a), Q(b)):
 * the fused form computes the same integers with one pass over memory less.
 */
import { roundHalfEven } from './constant-fold.pass.js';
import { CLAMP_OPS, type PlanGraph, dtypeRange } from '../plan/plan-ir.js';

export function fuseActivations(plan: PlanGraph): number {
  let fused = 0;
  for (const r of [...plan.ops]) {
    if (r.type !== 'relu' && r.type !== 'clip') continue;
    const x = r.inputs[0]!;
    const p = plan.producer(x);
    if (!p || !CLAMP_OPS.has(p.type)) continue;
    if (plan.consumers(x).length !== 1 || plan.outputs.includes(x)) continue;
    const xt = plan.t(x),
      out = plan.t(r.outputs[0]!);
    if (!xt.quant || !out.quant || xt.dtype !== out.dtype) continue;
    // Clip's real bounds are only exact under its own (equal) in/out quantization.
    if (r.type === 'clip' && (xt.quant.scale[0] !== out.quant.scale[0] || xt.quant.zeroPoint[0] !== out.quant.zeroPoint[0])) continue;
    const [lo, hi] = dtypeRange(out.dtype);
    const s = out.quant.scale[0]!,
      z = out.quant.zeroPoint[0]!;
    const toQ = (v: number) => Math.max(lo, Math.min(hi, roundHalfEven(v / s) + z));
    let min = lo,
      max = hi;
    if (r.type === 'relu') min = z;
    else {
      if (typeof r.attrs.min === 'number') min = toQ(r.attrs.min);
      if (typeof r.attrs.max === 'number') max = toQ(r.attrs.max);
    }
    const curMin = typeof p.attrs.clampMin === 'number' ? p.attrs.clampMin : lo;
    const curMax = typeof p.attrs.clampMax === 'number' ? p.attrs.clampMax : hi;
    p.attrs.clampMin = Math.max(curMin, min);
    p.attrs.clampMax = Math.min(curMax, max);
    // The producer requantizes anyway, so it can write the activation's output tensor directly.
    p.outputs = [r.outputs[0]!];
    plan.ops = plan.ops.filter((o) => o !== r);
    fused++;
  }
  plan.compact();
  return fused;
}
