/**
 * Drives lowering: walks the folded ONNX graph in order and hands each node to the QDQ or
 * QOperator loader, then binds the graph outputs. The result is the plan IR in ONNX's
 * logical layout.
 */
import { DomainError } from '@farm/contracts';
import { type OnnxGraph, unsupported } from '../onnx/onnx-graph.js';
import type { PlanGraph } from '../plan/plan-ir.js';
import { LoweringContext, type LoweringOptions } from './lowering-context.js';
import { QdqLoader } from './qdq-loader.js';
import { QOperatorLoader } from './qoperator-loader.js';

export function lowerGraph(g: OnnxGraph, opts: LoweringOptions = {}): { plan: PlanGraph; warnings: string[] } {
  const ctx = new LoweringContext(g, opts);
  ctx.declareInputs();
  const qdq = new QdqLoader(ctx);
  const qop = new QOperatorLoader(ctx);
  g.toposort();
  for (const n of g.nodes) {
    if (n.opType === 'DequantizeLinear' && !n.domain) {
      qdq.dequantize(n);
      continue;
    }
    if (n.opType === 'QuantizeLinear' && !n.domain) {
      qdq.quantize(n);
      continue;
    }
    if (qdq.consumed.has(n)) continue;
    if (qop.lower(n)) continue;
    if (qdq.floatOp(n)) continue;
    throw unsupported(n);
  }
  for (const name of g.outputs) {
    let id = ctx.bound.get(name);
    if (id === undefined && ctx.dq.has(name)) id = ctx.floatOf(name, { name, opType: 'output', domain: '', inputs: [], outputs: [], attrs: {} });
    if (id === undefined) throw new DomainError('FRAMEWORK_UNSUPPORTED', `graph output "${name}" is not computed by any supported op (a constant output?)`);
    ctx.plan.outputs.push(id);
  }
  return { plan: ctx.plan, warnings: ctx.warnings };
}
