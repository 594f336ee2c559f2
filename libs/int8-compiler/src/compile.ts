/**
 * compileToPlan: quantized ONNX (QDQ or QOperator) -> farm-int8-plan files. Pipeline:
 * decode -> constant folding / static shapes -> BatchNormalization folding -> lowering
 * (QDQ and QOperator loaders) -> activation fusion -> NHWC layout -> plan writer.
 */
import { OnnxGraph } from './onnx/onnx-graph.js';
import { foldConstants } from './passes/constant-fold.pass.js';
import { foldBatchNorm } from './passes/bn-fold.pass.js';
import { fuseActivations } from './passes/activation-fusion.pass.js';
import { toNhwc } from './passes/nhwc-layout.pass.js';
import { lowerGraph } from './lowering/lower-graph.js';
import type { LoweringOptions } from './lowering/lowering-context.js';
import type { PlanGraph } from './plan/plan-ir.js';
import { type WrittenPlan, writePlan } from './plan/plan-writer.js';

export interface CompileOptions extends LoweringOptions {
  /** Fixed shapes for graph inputs whose ONNX dims are symbolic. */
  inputShapes?: Record<string, number[]>;
}

export interface CompileResult extends WrittenPlan {
  warnings: string[];
  opCount: number;
}

/** Prepares an ONNX model as the compiler's float-level IR: folded, BN-free, statically shaped. */
export function loadForCompile(bytes: Uint8Array, opts: CompileOptions = {}): OnnxGraph {
  const g = OnnxGraph.fromBytes(bytes);
  for (const [name, shape] of Object.entries(opts.inputShapes ?? {})) {
    const t = g.types.get(name);
    g.types.set(name, { dtype: t?.dtype ?? 'float32', shape });
  }
  foldConstants(g);
  if (foldBatchNorm(g) > 0) foldConstants(g);
  return g;
}

export function compileToPlanGraph(bytes: Uint8Array, opts: CompileOptions = {}): { plan: PlanGraph; warnings: string[] } {
  const g = loadForCompile(bytes, opts);
  const { plan, warnings } = lowerGraph(g, opts);
  fuseActivations(plan);
  return { plan: toNhwc(plan), warnings };
}

export function compileToPlan(bytes: Uint8Array, outDir: string, name: string, opts: CompileOptions = {}): CompileResult {
  const { plan, warnings } = compileToPlanGraph(bytes, opts);
  const written = writePlan(plan, outDir, name);
  return { ...written, warnings, opCount: plan.ops.length };
}
