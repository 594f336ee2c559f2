/** Reads back a written plan for tests: op counts and the quantization step behind each float output. */
import { readFileSync } from 'node:fs';

interface PlanJson {
  tensors: { id: number; name: string; dtype: string; quant: { scale: number[] } | null }[];
  ops: { type: string; inputs: number[]; outputs: number[] }[];
  outputs: number[];
}

export function readPlan(path: string): PlanJson {
  return JSON.parse(readFileSync(path, 'utf8')) as PlanJson;
}

/** For each graph output: its own scale if quantized, else the scale of the tensor its dequantize reads. */
export function outputSteps(path: string): number[] {
  const p = readPlan(path);
  const byId = new Map(p.tensors.map((t) => [t.id, t]));
  return p.outputs.map((id) => {
    const t = byId.get(id)!;
    if (t.quant) return t.quant.scale[0]!;
    // Walk back through layout ops to the dequantize that produced the float values.
    let cur = id;
    for (let hops = 0; hops < 8; hops++) {
      const producer = p.ops.find((o) => o.outputs.includes(cur));
      if (!producer) break;
      const src = byId.get(producer.inputs[0]!);
      if (src?.quant) return src.quant.scale[0]!;
      cur = producer.inputs[0]!;
    }
    throw new Error(`plan output ${t.name} has no quantized source`);
  });
}

export function opCounts(path: string): Record<string, number> {
  const c: Record<string, number> = {};
  for (const o of readPlan(path).ops) c[o.type] = (c[o.type] ?? 0) + 1;
  return c;
}
