/**
 * The runtime-level IR: tensors and ops of farm-int8-plan v1 (device-agents/native/PLAN_FORMAT.md).
 * Lowering produces it with ONNX's logical (NCHW) shapes and axes; the NHWC layout pass then
 * turns it into storage shapes and axes, after which the plan writer serializes it as is.
 */
import type { TensorData } from '../onnx/onnx-proto.js';

export type PlanDType = 'int8' | 'uint8' | 'int32' | 'float32';

export interface QuantParams {
  scale: number[];
  zeroPoint: number[];
  /** Per-channel axis, or null for per-tensor. */
  axis: number | null;
}

export interface PlanTensor {
  id: number;
  name: string;
  dtype: PlanDType;
  shape: number[];
  quant: QuantParams | null;
  /** Constant contents (weights, biases, constant operands); undefined for activations. */
  data?: TensorData;
}

export type PlanOpType =
  | 'conv2d'
  | 'depthwise_conv2d'
  | 'fully_connected'
  | 'add'
  | 'max_pool'
  | 'avg_pool'
  | 'global_avg_pool'
  | 'concat'
  | 'reshape'
  | 'transpose'
  | 'pad'
  | 'resize_nearest'
  | 'resize_bilinear'
  | 'quantize'
  | 'dequantize'
  | 'sigmoid'
  | 'softmax'
  | 'relu'
  | 'clip';

export type AttrJson = number | string | boolean | number[] | null;

export interface PlanOp {
  name: string;
  type: PlanOpType;
  inputs: number[];
  outputs: number[];
  attrs: Record<string, AttrJson>;
}

/** Ops that accept a fused clampMin/clampMax on their quantized output. */
export const CLAMP_OPS: ReadonlySet<PlanOpType> = new Set(['conv2d', 'depthwise_conv2d', 'fully_connected', 'add', 'avg_pool', 'global_avg_pool']);

export function dtypeRange(d: PlanDType): [number, number] {
  return d === 'uint8' ? [0, 255] : d === 'int8' ? [-128, 127] : d === 'int32' ? [-2147483648, 2147483647] : [-Infinity, Infinity];
}

export function sameQuant(a: QuantParams | null, b: QuantParams | null): boolean {
  if (!a || !b) return a === b;
  return (
    a.axis === b.axis &&
    a.scale.length === b.scale.length &&
    a.scale.every((s, i) => Math.fround(s) === Math.fround(b.scale[i]!)) &&
    a.zeroPoint.every((z, i) => z === b.zeroPoint[i])
  );
}

export class PlanGraph {
  tensors = new Map<number, PlanTensor>();
  ops: PlanOp[] = [];
  inputs: number[] = [];
  outputs: number[] = [];
  private nextId = 0;
  private names = new Set<string>();

  uniqueName(base: string): string {
    let n = base,
      i = 0;
    while (this.names.has(n)) n = `${base}_${++i}`;
    this.names.add(n);
    return n;
  }

  add(t: Omit<PlanTensor, 'id'>): PlanTensor {
    const tensor: PlanTensor = { ...t, name: this.uniqueName(t.name), id: this.nextId++ };
    this.tensors.set(tensor.id, tensor);
    return tensor;
  }

  t(id: number): PlanTensor {
    const t = this.tensors.get(id);
    if (!t) throw new Error(`plan tensor ${id} does not exist`);
    return t;
  }

  op(type: PlanOpType, name: string, inputs: number[], outputs: number[], attrs: Record<string, AttrJson> = {}): PlanOp {
    const o: PlanOp = { name, type, inputs, outputs, attrs };
    this.ops.push(o);
    return o;
  }

  consumers(id: number): PlanOp[] {
    return this.ops.filter((o) => o.inputs.includes(id));
  }

  producer(id: number): PlanOp | undefined {
    return this.ops.find((o) => o.outputs.includes(id));
  }

  /** Drops tensors no op, input or output refers to. */
  compact(): void {
    const used = new Set<number>([...this.inputs, ...this.outputs]);
    for (const o of this.ops) for (const i of [...o.inputs, ...o.outputs]) used.add(i);
    for (const id of [...this.tensors.keys()]) if (!used.has(id)) this.tensors.delete(id);
  }

  /** Makes op names unique, as the runner reports per-layer times by name. */
  uniquifyOpNames(): void {
    const seen = new Map<string, number>();
    for (const o of this.ops) {
      const k = seen.get(o.name) ?? 0;
      seen.set(o.name, k + 1);
      if (k > 0) o.name = `${o.name}#${k}`;
    }
  }
}

/** Renames a tensor if the new name is free; returns whether it did. */
export function renameTensor(plan: PlanGraph, id: number, name: string): boolean {
  const t = plan.t(id);
  if (t.name === name) return true;
  for (const o of plan.tensors.values()) if (o.name === name) return false;
  t.name = name;
  return true;
}
