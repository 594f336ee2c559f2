/** ONNX Runtime helpers for tests and the bench: one-shot runs with float or raw inputs. */
import * as ort from 'onnxruntime-node';
import type { Tensor } from '../onnx/onnx-proto.js';

export async function ortSession(model: Uint8Array, opts: ort.InferenceSession.SessionOptions = {}): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all', ...opts });
}

export function toOrt(t: Tensor): ort.Tensor {
  return new ort.Tensor(t.dtype as 'float32', t.data as Float32Array, t.dims);
}

export async function ortRun(model: Uint8Array, feeds: Record<string, Tensor>): Promise<Record<string, ort.Tensor>> {
  const s = await ortSession(model);
  try {
    return await s.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, toOrt(v)])));
  } finally {
    await s.release();
  }
}
