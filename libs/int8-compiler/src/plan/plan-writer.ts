/**
 * Serializes a storage-layout plan IR as farm-int8-plan v1: `<name>.plan.json` plus
 * `<name>.plan.bin` holding every constant at a 64-byte aligned offset (zero padding).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PlanGraph, PlanTensor } from './plan-ir.js';

export const PLAN_FORMAT = 'farm-int8-plan';
export const PLAN_VERSION = 1;
const ALIGN = 64;

export interface TensorDecl {
  name: string;
  dtype: string;
  shape: number[];
  quant: PlanTensor['quant'];
}

export interface WrittenPlan {
  planPath: string;
  binPath: string;
  inputs: TensorDecl[];
  outputs: TensorDecl[];
}

export function serializePlan(plan: PlanGraph, binName: string, source?: Record<string, unknown>): { json: string; bin: Uint8Array } {
  const ids = [...plan.tensors.keys()].sort((a, b) => a - b);
  let size = 0;
  const placed = new Map<number, { offset: number; length: number }>();
  for (const id of ids) {
    const t = plan.t(id);
    if (!t.data) continue;
    size = Math.ceil(size / ALIGN) * ALIGN;
    placed.set(id, { offset: size, length: t.data.byteLength });
    size += t.data.byteLength;
  }
  const bin = new Uint8Array(Math.ceil(size / ALIGN) * ALIGN);
  for (const [id, p] of placed) {
    const d = plan.t(id).data!;
    bin.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), p.offset);
  }
  const doc = {
    format: PLAN_FORMAT,
    version: PLAN_VERSION,
    layout: 'NHWC',
    bin: binName,
    producer: '@farm/int8-compiler',
    ...(source ? { source } : {}),
    tensors: ids.map((id) => {
      const t = plan.t(id);
      return {
        id,
        name: t.name,
        dtype: t.dtype,
        shape: t.shape,
        quant: t.quant ? { scale: t.quant.scale.map((s) => Math.fround(s)), zeroPoint: t.quant.zeroPoint, axis: t.quant.axis } : null,
        data: placed.get(id) ?? null,
      };
    }),
    inputs: plan.inputs,
    outputs: plan.outputs,
    ops: plan.ops.map((o) => ({
      name: o.name,
      type: o.type,
      inputs: o.inputs,
      outputs: o.outputs,
      // Absent means "default" in the spec; null bounds (infinite clip) are left out.
      attrs: Object.fromEntries(Object.entries(o.attrs).filter(([, v]) => v !== null && v !== undefined)),
    })),
  };
  return { json: JSON.stringify(doc, null, 1), bin };
}

export function writePlan(plan: PlanGraph, outDir: string, name: string, source?: Record<string, unknown>): WrittenPlan {
  mkdirSync(outDir, { recursive: true });
  const planPath = join(outDir, `${name}.plan.json`);
  const binPath = join(outDir, `${name}.plan.bin`);
  const { json, bin } = serializePlan(plan, `${name}.plan.bin`, source);
  writeFileSync(binPath, bin);
  writeFileSync(planPath, json);
  const decl = (id: number): TensorDecl => {
    const t = plan.t(id);
    return { name: t.name, dtype: t.dtype, shape: t.shape, quant: t.quant };
  };
  return { planPath, binPath, inputs: plan.inputs.map(decl), outputs: plan.outputs.map(decl) };
}
