/**
 * Folds BatchNormalization into the preceding Conv (or Gemm with transB=1) on the float graph.
 * Done before quantization so per-channel weight scales see the final weights, and again by
 * the compiler for float graphs handed to it, so the runtime never sees a BN.
 */
import { type Tensor, makeTensor, numel, toNumbers } from '../onnx/onnx-proto.js';
import { type OnnxGraph, attrFloat, attrInt } from '../onnx/onnx-graph.js';

export function foldBatchNorm(g: OnnxGraph): number {
  const producers = g.producerMap();
  const consumers = g.consumerMap();
  let folded = 0;
  for (const bn of [...g.nodes]) {
    if (bn.opType !== 'BatchNormalization' || attrInt(bn, 'training_mode', 0) === 1) continue;
    const conv = producers.get(bn.inputs[0]!);
    if (!conv || (conv.opType !== 'Conv' && !(conv.opType === 'Gemm' && attrInt(conv, 'transB', 0) === 1))) continue;
    if ((consumers.get(conv.outputs[0]!) ?? []).length !== 1 || g.outputs.includes(conv.outputs[0]!)) continue;
    const w = g.constants.get(conv.inputs[1]!);
    const [gamma, beta, mean, variance] = bn.inputs.slice(1, 5).map((i) => g.constants.get(i));
    if (!w || w.dtype !== 'float32' || !gamma || !beta || !mean || !variance) continue;
    const eps = attrFloat(bn, 'epsilon', 1e-5);
    const cout = w.dims[0]!;
    const per = numel(w.dims) / cout;
    const gv = toNumbers(gamma),
      bv = toNumbers(beta),
      mv = toNumbers(mean),
      vv = toNumbers(variance);
    const oldBias = conv.inputs[2] ? g.constants.get(conv.inputs[2]) : undefined;
    if (conv.inputs[2] && !oldBias) continue;
    const ob = oldBias ? toNumbers(oldBias) : new Array(cout).fill(0);
    const nw: Tensor = makeTensor('float32', w.dims);
    const wd = w.data as Float32Array,
      nd = nw.data as Float32Array;
    const nb = makeTensor('float32', [cout]);
    for (let o = 0; o < cout; o++) {
      const k = gv[o]! / Math.sqrt(vv[o]! + eps);
      for (let j = 0; j < per; j++) nd[o * per + j] = wd[o * per + j]! * k;
      (nb.data as Float32Array)[o] = (ob[o]! - mv[o]!) * k + bv[o]!;
    }
    const wName = g.fresh(`${conv.inputs[1]}_bnfolded`);
    const bName = g.fresh(`${conv.name}_bias_bnfolded`);
    g.constants.set(wName, nw);
    g.constants.set(bName, nb);
    conv.inputs = [conv.inputs[0]!, wName, bName];
    // The conv now produces what the BN produced; the BN disappears.
    conv.outputs = [bn.outputs[0]!];
    g.nodes = g.nodes.filter((n) => n !== bn);
    folded++;
  }
  if (folded) g.prune();
  return folded;
}
