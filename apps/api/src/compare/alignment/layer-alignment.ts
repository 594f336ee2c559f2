/**
 * Maps one result's profiled layers onto the source graph's nodes, so that one row of a
 * comparison can mean "this conv" in every engine.
 *
 * - By name (ONNX Runtime, OpenCV DNN, NCNN, our int8 plan): profilers report node names with
 *   decorations (ORT's "_kernel_time" and "<output>_nchwc", OpenCV's "onnx_node!"), or output
 *   tensor names; the int8 quantizer names its Q/DQ nodes "<tensor>_QuantizeLinear", and the
 *   plan keeps those names, so they map to the node that produces (or first reads) the tensor.
 * - By sequence (TFLite, when the source is ONNX): XNNPACK's delegate rows carry no tensor
 *   names, only their op and position, so the rows are aligned to the TFLite graph's ops by op
 *   class in order, and the TFLite ops to the ONNX nodes by op class and output shape in order
 *   (dynamic programming, as for sequence alignment); what order cannot place is then matched
 *   by class and shape alone. Each step lowers the stored confidence.
 * - Fusion: a source node no layer names (Relu or BatchNormalization fused into the conv before
 *   it, Add+Relu fused by the engine) joins the group of the layer that produces its input; a
 *   layer an engine reports with zero time after fusing it (OpenCV) joins its producer's group.
 */
import type { OpClass } from '@farm/contracts';
import type { SourceGraph, SourceNode } from './source-graph.js';

export type MatchMethod = 'name' | 'output' | 'qdq' | 'sequence' | 'shape' | 'unmatched';

export interface ProfiledLayer {
  idx: number;
  name: string;
  opType: string;
  opClass: OpClass;
  timeMs: number;
  /** The layer's time in each profiled run (empty when the runner gave no runs apart). */
  samplesMs?: readonly number[];
}

export interface LayerMatch {
  idx: number;
  /** Source node names this layer's time covers; empty when unmatched. */
  sourceNodes: string[];
  /** 1: exact name; lower for derived names, order and shape matches; 0 when unmatched. */
  confidence: number;
  method: MatchMethod;
}

/** Bump when a matching rule changes: stored alignments of other versions are then recomputed. */
export const ALIGNER_VERSION = 1;

/** Below this a match is shown as low confidence. */
export const LOW_CONFIDENCE = 0.8;

/** Classes an engine folds into the producer of their input (conv+BN+activation, conv+add). */
const FUSABLE: ReadonlySet<OpClass> = new Set(['activation', 'elementwise']);

function nameCandidates(name: string): string[] {
  const out = [name];
  const push = (s: string) => {
    if (s && !out.includes(s)) out.push(s);
  };
  // OpenCV names layers "onnx_node!<node>", or "onnx_node_output_<i>!<output>" for unnamed nodes.
  let s = name.replace(/^onnx_node(_output_\d+)?!/, '').replace(/_kernel_time$/, '');
  push(s);
  // ORT: "<output>:0_nchwc" for layers it re-laid out, "<node>_token_<n>" for nodes its QDQ fusion rewrote.
  s = s.replace(/_nchwc$/, '').replace(/_token_\d+$/, '');
  push(s);
  push(s.replace(/:\d+$/, ''));
  return out;
}

/** Layers an engine adds for a node (OpenCV's "<node>/pad" for asymmetric padding) belong to that node, a little less surely. */
const ENGINE_ADDED_SUFFIX = /\/pad$/;

const QDQ_SUFFIX = /^(.*)_(QuantizeLinear|DequantizeLinear|weight_DequantizeLinear|bias_DequantizeLinear|to_float)(_\d+)?$/;

/** Match by node name, output name, or the quantizer's Q/DQ naming. */
export function alignByName(graph: SourceGraph, layers: readonly ProfiledLayer[]): LayerMatch[] {
  const byName = new Map(graph.nodes.map((n) => [n.name, n]));
  for (const n of graph.nodes) if (n.alias && !byName.has(n.alias)) byName.set(n.alias, n);
  const byOutput = new Map<string, SourceNode>();
  const firstReader = new Map<string, SourceNode>();
  for (const n of graph.nodes) {
    for (const o of n.outputs) byOutput.set(o, n);
    for (const i of n.inputs) if (!firstReader.has(i)) firstReader.set(i, n);
  }
  const matches = layers.map((l): LayerMatch => {
    for (const c of nameCandidates(l.name)) {
      const n = byName.get(c);
      if (n) return { idx: l.idx, sourceNodes: fusedChain(n, l, byOutput), confidence: 1, method: 'name' };
      const o = byOutput.get(c);
      if (o) return { idx: l.idx, sourceNodes: fusedChain(o, l, byOutput), confidence: 1, method: 'output' };
    }
    for (const c of nameCandidates(l.name.replace(ENGINE_ADDED_SUFFIX, ''))) {
      const n = byName.get(c);
      if (n && c !== l.name) return { idx: l.idx, sourceNodes: [n.name], confidence: 0.9, method: 'name' };
    }
    const q = QDQ_SUFFIX.exec(l.name);
    if (q) {
      // A Q/DQ pair converts a tensor: its cost belongs to the node that makes the tensor, or, for a graph input, the first node that reads it.
      const t = q[1]!;
      const n = byName.get(t) ?? byOutput.get(t) ?? firstReader.get(t);
      if (n) return { idx: l.idx, sourceNodes: [n.name], confidence: 0.9, method: 'qdq' };
    }
    return { idx: l.idx, sourceNodes: [], confidence: 0, method: 'unmatched' };
  });
  attachLayoutConversions(layers, matches);
  return attachFused(graph, layers, matches);
}

/** ORT's NCHWc layout conversions: "ReorderInput[_token_n]" and "ReorderOutput[_token_n]". */
const LAYOUT_CONVERSION = /^Reorder(Input|Output)(_token_\d+)?$/;
/** Placed by execution order alone: honest only as a low-confidence match. */
const NEIGHBOUR_CONFIDENCE = 0.5;

/**
 * Layout conversions an engine inserts have no source node, but they exist for one: a
 * conversion into the engine's blocked layout feeds the next layer, one back out follows the
 * layer that produced it. Layers are in execution order, so they join that neighbour's group.
 */
function attachLayoutConversions(layers: readonly ProfiledLayer[], matches: LayerMatch[]): void {
  for (let i = 0; i < layers.length; i++) {
    const kind = LAYOUT_CONVERSION.exec(layers[i]!.name)?.[1];
    if (!kind || matches[i]!.sourceNodes.length > 0) continue;
    const step = kind === 'Input' ? 1 : -1;
    for (let j = i + step; j >= 0 && j < layers.length; j += step) {
      const m = matches[j]!;
      if (m.sourceNodes.length === 0 || LAYOUT_CONVERSION.test(layers[j]!.name)) continue;
      matches[i] = { idx: layers[i]!.idx, sourceNodes: [m.sourceNodes[0]!], confidence: NEIGHBOUR_CONFIDENCE, method: 'sequence' };
      break;
    }
  }
}

/**
 * An engine that fuses conv+ReLU may name the fused layer after the last node (ORT's
 * "<Relu output>:0_nchwc" is a Conv): when the layer's class differs from the named node's and
 * that node is fusable, walk back through its producers to a node of the layer's class; the
 * layer covers that node and everything after it up to the named one.
 */
function fusedChain(n: SourceNode, l: ProfiledLayer, byOutput: ReadonlyMap<string, SourceNode>): string[] {
  if (!FUSABLE.has(n.opClass) || FUSABLE.has(l.opClass) || l.opClass === 'other') return [n.name];
  const sameKind = (c: OpClass) => c === l.opClass || (CONV_CLASSES.has(c) && CONV_CLASSES.has(l.opClass));
  const chain = [n];
  let cur = n;
  for (let step = 0; step < 4; step++) {
    const p = byOutput.get(cur.inputs[0] ?? '');
    if (!p) break;
    chain.unshift(p);
    if (sameKind(p.opClass)) return chain.map((x) => x.name);
    if (!FUSABLE.has(p.opClass)) break;
    cur = p;
  }
  return [n.name];
}

/** Profilers without depthwise hints class a depthwise conv as conv. */
const CONV_CLASSES: ReadonlySet<OpClass> = new Set(['conv', 'depthwise_conv']);

/**
 * Fused groups: a zero-time layer of a fusable class and a source node no layer covers both join
 * the layer that produces their input. Walks the graph in order, so chains (conv -> BN -> Relu) fold.
 */
export function attachFused(graph: SourceGraph, layers: readonly ProfiledLayer[], matches: LayerMatch[]): LayerMatch[] {
  const byIdx = new Map(matches.map((m) => [m.idx, m]));
  const layerOf = new Map<string, LayerMatch>();
  const timeOf = new Map(layers.map((l) => [l.idx, l.timeMs]));
  // Layers with time own their nodes first; zero-time ones are candidates to fold.
  const sorted = [...matches].sort((a, b) => (timeOf.get(b.idx)! > 0 ? 1 : 0) - (timeOf.get(a.idx)! > 0 ? 1 : 0));
  for (const m of sorted) for (const s of m.sourceNodes) if (!layerOf.has(s)) layerOf.set(s, m);
  const producer = new Map<string, SourceNode>();
  for (const n of graph.nodes) for (const o of n.outputs) producer.set(o, n);
  const zeroTime = new Set(layers.filter((l) => l.timeMs === 0).map((l) => l.idx));

  for (const n of graph.nodes) {
    if (!FUSABLE.has(n.opClass) || n.constant) continue;
    const own = layerOf.get(n.name);
    if (own && !(zeroTime.has(own.idx) && own.sourceNodes.length === 1)) continue;
    // Prefer the producer a conv layer owns (the usual fusion), else any producer with a timed layer.
    const owners = n.inputs
      .map((i) => producer.get(i))
      .filter((p): p is SourceNode => !!p)
      .map((p) => ({ p, m: layerOf.get(p.name) }))
      .filter((x): x is { p: SourceNode; m: LayerMatch } => !!x.m && !zeroTime.has(x.m.idx));
    const target = owners.find((x) => x.p.opClass === 'conv' || x.p.opClass === 'depthwise_conv') ?? owners[0];
    if (!target) continue;
    target.m.sourceNodes.push(n.name);
    if (own) {
      // The zero-time layer now reads as part of the group it was fused into.
      own.sourceNodes = [...target.m.sourceNodes];
      own.confidence = Math.min(own.confidence, target.m.confidence);
    }
    layerOf.set(n.name, target.m);
  }
  return matches.map((m) => byIdx.get(m.idx)!);
}

/** Are two static shapes the same tensor, NHWC on one side and NCHW on the other allowed? */
export function sameShape(a: readonly number[] | null, b: readonly number[] | null): boolean {
  if (!a || !b || a.length !== b.length) return false;
  if (a.every((d, i) => d === b[i])) return true;
  if (a.length !== 4) return false;
  // NHWC vs NCHW.
  const [n, c, h, w] = b;
  return a[0] === n && a[1] === h && a[2] === w && a[3] === c;
}

interface SeqItem {
  cls: OpClass;
  shape: number[] | null;
}

/**
 * Global alignment of two sequences by op class (and shape, when both sides know it). Returns
 * pairs [i, j, shapeAgrees]. Class mismatches are never paired: a gap is cheaper.
 */
export function alignSequences(a: readonly SeqItem[], b: readonly SeqItem[], gapA = 0.5, gapB = 0.5): [number, number, boolean][] {
  const n = a.length;
  const m = b.length;
  const score = Array.from({ length: n + 1 }, () => new Float64Array(m + 1));
  const move = Array.from({ length: n + 1 }, () => new Uint8Array(m + 1)); // 0 diag, 1 up (gap in b), 2 left (gap in a)
  for (let i = 1; i <= n; i++) {
    score[i]![0] = -gapA * i;
    move[i]![0] = 1;
  }
  for (let j = 1; j <= m; j++) {
    score[0]![j] = -gapB * j;
    move[0]![j] = 2;
  }
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      const x = a[i - 1]!;
      const y = b[j - 1]!;
      let best = score[i - 1]![j]! - gapA;
      let mv = 1;
      const left = score[i]![j - 1]! - gapB;
      if (left > best) {
        best = left;
        mv = 2;
      }
      if (x.cls === y.cls) {
        const diag = score[i - 1]![j - 1]! + 2 + (sameShape(x.shape, y.shape) ? 1 : 0);
        if (diag >= best) {
          best = diag;
          mv = 0;
        }
      }
      score[i]![j] = best;
      move[i]![j] = mv;
    }
  }
  const pairs: [number, number, boolean][] = [];
  let i = n;
  let j = m;
  while (i > 0 || j > 0) {
    const mv = move[i]![j]!;
    if (i > 0 && j > 0 && mv === 0) {
      pairs.push([i - 1, j - 1, sameShape(a[i - 1]!.shape, b[j - 1]!.shape)]);
      i--;
      j--;
    } else if (i > 0 && (mv === 1 || j === 0)) i--;
    else j--;
  }
  return pairs.reverse();
}

/**
 * Confidence of a TFLite op -> ONNX node pair. Order, class and shape agreeing is strong; a
 * (class, shape) that occurs once in the whole ONNX graph is nearly as strong (converters put
 * branches in different orders, but not different tensors); order and class alone with one
 * shape unknown is weak, and with shapes that disagree weaker still.
 */
const PAIR_CONFIDENCE = { orderAndShape: 0.95, uniqueShape: 0.85, orderOnly: 0.7, shapeOnly: 0.6, shapesDisagree: 0.4 } as const;

/**
 * TFLite ops -> ONNX nodes: sequence alignment of the non-constant ops, then a pass that pairs
 * what is left by class and shape where that is unambiguous (branches the converters ordered
 * differently). Returns, per TFLite op index, the ONNX node and the confidence.
 */
export function alignTfliteToOnnx(tflite: SourceGraph, onnx: SourceGraph): Map<number, { node: string; confidence: number }> {
  const tOps = tflite.nodes.map((n, i) => ({ n, i })).filter((x) => !x.n.constant);
  const oOps = onnx.nodes.filter((n) => !n.constant);
  const pairs = alignSequences(
    tOps.map((x) => ({ cls: x.n.opClass, shape: x.n.outShape })),
    oOps.map((n) => ({ cls: n.opClass, shape: n.outShape })),
  );
  const out = new Map<number, { node: string; confidence: number }>();
  const usedOnnx = new Set<string>();
  for (const [ti, oi, shapeOk] of pairs) {
    const node = oOps[oi]!.name;
    const bothKnown = !!tOps[ti]!.n.outShape && !!oOps[oi]!.outShape;
    out.set(tOps[ti]!.i, {
      node,
      confidence: shapeOk ? PAIR_CONFIDENCE.orderAndShape : bothKnown ? PAIR_CONFIDENCE.shapesDisagree : PAIR_CONFIDENCE.orderOnly,
    });
    usedOnnx.add(node);
  }
  // Paired by order but with disagreeing shapes: worth re-pairing by shape if a unique candidate exists.
  const leftT = tOps.filter((x) => !out.has(x.i) || out.get(x.i)!.confidence < PAIR_CONFIDENCE.orderAndShape);
  for (const x of leftT) {
    if (!x.n.outShape) continue;
    const alike = oOps.filter((n) => n.opClass === x.n.opClass && sameShape(x.n.outShape, n.outShape));
    const cands = alike.filter((n) => !usedOnnx.has(n.name));
    if (cands.length !== 1) continue;
    const prev = out.get(x.i);
    if (prev) usedOnnx.delete(prev.node);
    out.set(x.i, { node: cands[0]!.name, confidence: alike.length === 1 ? PAIR_CONFIDENCE.uniqueShape : PAIR_CONFIDENCE.shapeOnly });
    usedOnnx.add(cands[0]!.name);
  }
  return out;
}

/**
 * A TFLite result's layers -> TFLite ops. Rows the runtime named by tensor (ops it ran itself)
 * match by name; XNNPACK's rows ("Delegate/Convolution (NHWC, F32) IGEMM:3") by class in order
 * over the ops left. Returns per layer idx: the TFLite op index and the confidence.
 */
export function alignTfliteLayers(tflite: SourceGraph, layers: readonly ProfiledLayer[]): Map<number, { op: number; confidence: number }> {
  const byName = new Map(tflite.nodes.map((n, i) => [n.name, i]));
  const out = new Map<number, { op: number; confidence: number }>();
  const named = new Set<number>();
  for (const l of layers) {
    const i = byName.get(l.name);
    if (i !== undefined) {
      out.set(l.idx, { op: i, confidence: 1 });
      named.add(i);
    }
  }
  const rest = layers.filter((l) => !out.has(l.idx));
  const ops = tflite.nodes.map((n, i) => ({ n, i })).filter((x) => !x.n.constant && !named.has(x.i));
  // A delegate row with no op is an operator XNNPACK added; an op with no row was fused into a neighbour: both cheap gaps.
  const pairs = alignSequences(
    rest.map((l) => ({ cls: l.opClass, shape: null })),
    ops.map((x) => ({ cls: x.n.opClass, shape: null })),
    0.5,
    0.3,
  );
  for (const [li, oi] of pairs) out.set(rest[li]!.idx, { op: ops[oi]!.i, confidence: 0.95 });
  return out;
}

/**
 * TFLite result onto an ONNX source: layers -> TFLite ops -> ONNX nodes. A TFLite op no layer
 * covers (fused by XNNPACK) joins the layer of the op before it when it is fusable, so its ONNX
 * node lands in the same group; then ONNX-level fusion as for named engines.
 */
export function alignTfliteOnOnnx(tflite: SourceGraph, onnx: SourceGraph, layers: readonly ProfiledLayer[]): LayerMatch[] {
  const toOp = alignTfliteLayers(tflite, layers);
  const toOnnx = alignTfliteToOnnx(tflite, onnx);
  const matches = layers.map((l): LayerMatch => {
    const t = toOp.get(l.idx);
    const o = t ? toOnnx.get(t.op) : undefined;
    if (!t || !o) return { idx: l.idx, sourceNodes: [], confidence: 0, method: 'unmatched' };
    const byShapeOnly = o.confidence === PAIR_CONFIDENCE.uniqueShape || o.confidence === PAIR_CONFIDENCE.shapeOnly;
    return { idx: l.idx, sourceNodes: [o.node], confidence: Math.min(t.confidence, o.confidence), method: byShapeOnly ? 'shape' : 'sequence' };
  });
  return attachFused(onnx, layers, matches);
}

/** TFLite result onto a TFLite source (a TFLite-only model): layers -> ops only. */
export function alignTfliteOnTflite(tflite: SourceGraph, layers: readonly ProfiledLayer[]): LayerMatch[] {
  const toOp = alignTfliteLayers(tflite, layers);
  return layers.map((l): LayerMatch => {
    const t = toOp.get(l.idx);
    if (!t) return { idx: l.idx, sourceNodes: [], confidence: 0, method: 'unmatched' };
    return { idx: l.idx, sourceNodes: [tflite.nodes[t.op]!.name], confidence: t.confidence, method: t.confidence === 1 ? 'name' : 'sequence' };
  });
}
