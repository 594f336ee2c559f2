/**
 * Activation range collection with ONNX Runtime: a copy of the float graph exposes every
 * tensor to be quantized as an extra output, the calibration samples run through it, and
 * ranges come out as min-max or as percentiles of a per-tensor histogram.
 */
import * as ort from 'onnxruntime-node';
import { mulberry32 } from '@farm/stats';
import type { OnnxGraph } from '../onnx/onnx-graph.js';
import { numel } from '../onnx/onnx-proto.js';

export type CalibrationMethod = 'minmax' | 'percentile';

/** One calibration sample: a float tensor per graph input (shape defaults to the model's). */
export type CalibrationSample = Record<string, Float32Array | { data: Float32Array; dims: number[] }>;

export interface Range {
  min: number;
  max: number;
}

const BINS = 2048;

export { mulberry32 } from '@farm/stats';

export function syntheticSamples(g: OnnxGraph, count: number, seed = 1): CalibrationSample[] {
  const rnd = mulberry32(seed);
  const out: CalibrationSample[] = [];
  for (let s = 0; s < count; s++) {
    const sample: CalibrationSample = {};
    for (const name of g.inputs) {
      const shape = g.types.get(name)?.shape ?? [];
      const d = new Float32Array(numel(shape));
      for (let i = 0; i < d.length; i++) d[i] = rnd() * 2 - 1;
      sample[name] = { data: d, dims: shape };
    }
    out.push(sample);
  }
  return out;
}

function feeds(g: OnnxGraph, s: CalibrationSample): Record<string, ort.Tensor> {
  const f: Record<string, ort.Tensor> = {};
  for (const name of g.inputs) {
    const v = s[name];
    if (!v) throw new Error(`calibration sample has no value for input "${name}"`);
    const data = v instanceof Float32Array ? v : v.data;
    const dims = v instanceof Float32Array ? (g.types.get(name)?.shape ?? [data.length]) : v.dims;
    f[name] = new ort.Tensor('float32', data, dims);
  }
  return f;
}

/**
 * Runs the samples and returns a range per tensor. Percentile keeps `percentile`% of the
 * values inside the range at each end (e.g. 99.99 clips the 0.01% tails), always including 0
 * so that zero padding stays exact.
 */
export async function collectRanges(
  g: OnnxGraph,
  tensors: string[],
  samples: CalibrationSample[],
  method: CalibrationMethod,
  percentile = 99.99,
): Promise<Map<string, Range>> {
  if (tensors.length === 0) return new Map();
  const model = g.toBytes({ extraOutputs: tensors.filter((t) => !g.outputs.includes(t)) });
  const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'basic', intraOpNumThreads: 2 });
  try {
    const ranges = new Map<string, Range>();
    const runs: Record<string, ort.Tensor>[] = [];
    for (const s of samples) {
      const r = await session.run(feeds(g, s), tensors);
      for (const t of tensors) {
        const data = r[t]!.data as Float32Array;
        let mn = Infinity,
          mx = -Infinity;
        for (let i = 0; i < data.length; i++) {
          const v = data[i]!;
          if (v < mn) mn = v;
          if (v > mx) mx = v;
        }
        const cur = ranges.get(t);
        ranges.set(t, { min: Math.min(cur?.min ?? Infinity, mn), max: Math.max(cur?.max ?? -Infinity, mx) });
      }
      // Percentile needs the values again once the overall min/max are known; keep them only then.
      if (method === 'percentile') runs.push(r);
    }
    if (method === 'percentile') {
      for (const t of tensors) {
        const { min, max } = ranges.get(t)!;
        if (!(max > min)) continue;
        const hist = new Float64Array(BINS);
        let total = 0;
        const w = (max - min) / BINS;
        for (const r of runs) {
          const data = r[t]!.data as Float32Array;
          for (let i = 0; i < data.length; i++) hist[Math.min(BINS - 1, Math.floor((data[i]! - min) / w))]++;
          total += data.length;
        }
        const tail = total * (1 - percentile / 100);
        let lo = 0,
          acc = 0;
        while (lo < BINS - 1 && acc + hist[lo]! <= tail) acc += hist[lo++]!;
        let hi = BINS - 1;
        acc = 0;
        while (hi > lo && acc + hist[hi]! <= tail) acc += hist[hi--]!;
        ranges.set(t, { min: min + lo * w, max: min + (hi + 1) * w });
      }
    }
    for (const [t, r] of ranges) ranges.set(t, { min: Math.min(0, r.min), max: Math.max(0, r.max) });
    return ranges;
  } finally {
    await session.release();
  }
}
