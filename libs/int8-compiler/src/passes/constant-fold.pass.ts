/**
 * Constant folding and shape resolution on the ONNX-level IR. Exporters compute static
 * shapes at run time (Shape -> Gather -> Unsqueeze -> Concat -> Reshape), emit Constant and
 * ConstantOfShape nodes and Identity/Dropout pass-throughs; the runtime should see none of
 * that, so those nodes are evaluated here and become constants, and every remaining value
 * gets a static shape.
 */
import { type DType, type Tensor, makeTensor, numel, toNumbers } from '../onnx/onnx-proto.js';
import { type OnnxGraph, type OnnxNode, attrFloat, attrInt, attrInts, attrTensor } from '../onnx/onnx-graph.js';
import { broadcastShapes, inferNode, normAxis, reshapeTarget } from '../onnx/shape-inference.js';

const FOLDABLE = new Set([
  'Constant',
  'Shape',
  'Gather',
  'Unsqueeze',
  'Squeeze',
  'Concat',
  'Cast',
  'ConstantOfShape',
  'Reshape',
  'Flatten',
  'Slice',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Transpose',
  'Range',
  'QuantizeLinear',
  'Identity',
  'Floor',
  'Ceil',
  'Neg',
]);

function strides(shape: number[]): number[] {
  const s = new Array(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1]!;
  return s;
}

/** Element-wise binary op with numpy broadcasting on plain numbers. */
function binary(a: Tensor, b: Tensor, f: (x: number, y: number) => number, dtype: DType): Tensor {
  const shape = broadcastShapes(a.dims, b.dims);
  const out = makeTensor(dtype, shape);
  const av = toNumbers(a),
    bv = toNumbers(b);
  const sa = strides(a.dims),
    sb = strides(b.dims),
    so = strides(shape);
  const r = shape.length;
  for (let i = 0; i < numel(shape); i++) {
    let ia = 0,
      ib = 0;
    for (let d = 0; d < r; d++) {
      const idx = Math.floor(i / so[d]!) % shape[d]!;
      const da = d - (r - a.dims.length),
        db = d - (r - b.dims.length);
      if (da >= 0 && a.dims[da] !== 1) ia += idx * sa[da]!;
      if (db >= 0 && b.dims[db] !== 1) ib += idx * sb[db]!;
    }
    const v = f(av[ia]!, bv[ib]!);
    if (dtype === 'int64') (out.data as BigInt64Array)[i] = BigInt(Math.trunc(v));
    else (out.data as Float32Array)[i] = v;
  }
  return out;
}

function withValues(dtype: DType, dims: number[], values: number[]): Tensor {
  return makeTensor(dtype, dims, dtype === 'int64' ? values.map((v) => BigInt(Math.trunc(v))) : values);
}

export function transposeTensor(t: Tensor, perm: number[]): Tensor {
  const outShape = perm.map((p) => t.dims[p]!);
  const out = makeTensor(t.dtype, outShape);
  const si = strides(t.dims),
    so = strides(outShape);
  const n = numel(outShape);
  const src = t.data as unknown as ArrayLike<unknown> & { [i: number]: unknown };
  const dst = out.data as unknown as { [i: number]: unknown };
  for (let i = 0; i < n; i++) {
    let j = 0;
    for (let d = 0; d < outShape.length; d++) j += (Math.floor(i / so[d]!) % outShape[d]!) * si[perm[d]!]!;
    dst[i] = src[j];
  }
  return out;
}

/** Evaluates a foldable node whose inputs are all constants (or whose result depends only on static shapes). */
function evaluate(g: OnnxGraph, n: OnnxNode): Tensor | undefined {
  const c = (i: number) => (n.inputs[i] ? g.constants.get(n.inputs[i]!) : undefined);
  const allConst = n.inputs.every((i) => !i || g.constants.has(i));
  switch (n.opType) {
    case 'Constant': {
      const t = attrTensor(n, 'value');
      if (t) return t;
      if (n.attrs.value_float) return makeTensor('float32', [], [attrFloat(n, 'value_float', 0)]);
      if (n.attrs.value_floats) return withValues('float32', [attrInts(n, 'value_floats')!.length], attrInts(n, 'value_floats')!);
      if (n.attrs.value_int) return withValues('int64', [], [attrInt(n, 'value_int', 0)]);
      if (n.attrs.value_ints) return withValues('int64', [attrInts(n, 'value_ints')!.length], attrInts(n, 'value_ints')!);
      return undefined;
    }
    case 'Shape': {
      const name = n.inputs[0]!;
      const shape = g.constants.get(name)?.dims ?? g.types.get(name)?.shape;
      if (!shape) return undefined;
      const r = shape.length;
      const start = normAxis(attrInt(n, 'start', 0), r);
      const end = n.attrs.end ? normAxis(attrInt(n, 'end', r), r) : r;
      const dims = shape.slice(Math.max(0, start), Math.min(r, end));
      return withValues('int64', [dims.length], dims);
    }
  }
  if (!allConst) return undefined;
  const x = c(0)!;
  switch (n.opType) {
    case 'Identity':
      return x;
    case 'Cast': {
      const to = inferNode(g, n)[0]!.dtype;
      return withValues(to, x.dims, toNumbers(x));
    }
    case 'ConstantOfShape': {
      const dims = toNumbers(x);
      const v = attrTensor(n, 'value');
      const dtype = v?.dtype ?? 'float32';
      const fill = v ? Number(v.data[0]) : 0;
      return withValues(dtype, dims, new Array(numel(dims)).fill(fill));
    }
    case 'Gather': {
      const axis = normAxis(attrInt(n, 'axis', 0), x.dims.length);
      const idx = toNumbers(c(1)!).map((i) => (i < 0 ? i + x.dims[axis]! : i));
      const outer = numel(x.dims.slice(0, axis)),
        inner = numel(x.dims.slice(axis + 1));
      const xv = toNumbers(x);
      const out: number[] = [];
      for (let o = 0; o < outer; o++) for (const i of idx) for (let k = 0; k < inner; k++) out.push(xv[(o * x.dims[axis]! + i) * inner + k]!);
      return withValues(x.dtype, [...x.dims.slice(0, axis), ...c(1)!.dims, ...x.dims.slice(axis + 1)], out);
    }
    case 'Unsqueeze':
    case 'Squeeze':
    case 'Reshape':
    case 'Flatten': {
      const shape = n.opType === 'Reshape' ? reshapeTarget(x.dims, toNumbers(c(1)!), attrInt(n, 'allowzero', 0) === 1) : inferNode(g, n)[0]!.shape!;
      return { dtype: x.dtype, dims: shape, data: x.data };
    }
    case 'Concat': {
      const parts = n.inputs.map((i) => g.constants.get(i)!);
      const axis = normAxis(attrInt(n, 'axis', 0), x.dims.length);
      const outer = numel(x.dims.slice(0, axis));
      const out: number[] = [];
      for (let o = 0; o < outer; o++)
        for (const p of parts) {
          const chunk = numel(p.dims.slice(axis));
          out.push(...toNumbers(p).slice(o * chunk, (o + 1) * chunk));
        }
      const dims = [...x.dims];
      dims[axis] = parts.reduce((a, p) => a + p.dims[axis]!, 0);
      return withValues(x.dtype, dims, out);
    }
    case 'Slice': {
      if (n.inputs.length < 2) return undefined; // opset < 10 slices are attributes; not seen in shape chains
      const starts = toNumbers(c(1)!),
        ends = toNumbers(c(2)!);
      const axes = c(3) ? toNumbers(c(3)!) : starts.map((_, i) => i);
      const steps = c(4) ? toNumbers(c(4)!) : starts.map(() => 1);
      if (x.dims.length !== 1 || steps.some((s) => s !== 1) || axes.some((a) => normAxis(a, 1) !== 0)) return undefined;
      const len = x.dims[0]!;
      const clamp = (v: number) => Math.max(0, Math.min(len, v < 0 ? v + len : v));
      const v = toNumbers(x).slice(clamp(starts[0]!), clamp(ends[0]!));
      return withValues(x.dtype, [v.length], v);
    }
    case 'Add':
      return binary(x, c(1)!, (a, b) => a + b, x.dtype);
    case 'Sub':
      return binary(x, c(1)!, (a, b) => a - b, x.dtype);
    case 'Mul':
      return binary(x, c(1)!, (a, b) => a * b, x.dtype);
    case 'Div':
      return binary(x, c(1)!, (a, b) => (x.dtype === 'int64' || x.dtype === 'int32' ? Math.trunc(a / b) : a / b), x.dtype);
    case 'Floor':
      return withValues(x.dtype, x.dims, toNumbers(x).map(Math.floor));
    case 'Ceil':
      return withValues(x.dtype, x.dims, toNumbers(x).map(Math.ceil));
    case 'Neg':
      return withValues(
        x.dtype,
        x.dims,
        toNumbers(x).map((v) => -v),
      );
    case 'Transpose':
      return transposeTensor(x, attrInts(n, 'perm') ?? x.dims.map((_, i) => x.dims.length - 1 - i));
    case 'Range': {
      const [start, limit, delta] = [Number(x.data[0]), Number(c(1)!.data[0]), Number(c(2)!.data[0])];
      const v: number[] = [];
      for (let a = start; delta > 0 ? a < limit : a > limit; a += delta) v.push(a);
      return withValues(x.dtype, [v.length], v);
    }
    case 'QuantizeLinear': {
      // Float weights written as Q->DQ pairs: store them already quantized.
      const out = inferNode(g, n)[0]!;
      const scale = toNumbers(c(1)!);
      const zp = c(2) ? toNumbers(c(2)!) : [0];
      const axis = normAxis(attrInt(n, 'axis', 1), x.dims.length);
      const [lo, hi] = out.dtype === 'int8' ? [-128, 127] : [0, 255];
      const inner = numel(x.dims.slice(axis + 1));
      const xv = toNumbers(x);
      const q = xv.map((v, i) => {
        const ch = scale.length === 1 ? 0 : Math.floor(i / inner) % x.dims[axis]!;
        return Math.max(lo, Math.min(hi, roundHalfEven(v / scale[ch]!) + zp[zp.length === 1 ? 0 : ch]!));
      });
      return withValues(out.dtype, x.dims, q);
    }
  }
  return undefined;
}

export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * One forward sweep: folds what can be folded, removes Identity/Dropout, and assigns static
 * types to everything else. Returns the number of nodes removed.
 */
export function foldConstants(g: OnnxGraph): number {
  g.toposort();
  const before = g.nodes.length;
  const keep: OnnxNode[] = [];
  for (const n of g.nodes) {
    if ((n.opType === 'Identity' || n.opType === 'Dropout') && n.inputs[0] && !g.constants.has(n.inputs[0])) {
      aliasAway(g, n, keep);
      continue;
    }
    if (FOLDABLE.has(n.opType) && !n.domain) {
      const v = evaluate(g, n);
      if (v) {
        g.constants.set(n.outputs[0]!, v);
        g.types.set(n.outputs[0]!, { dtype: v.dtype, shape: v.dims });
        continue;
      }
    }
    keep.push(n);
    const outs = inferNode(g, n);
    n.outputs.forEach((o, i) => {
      const t = outs[i];
      if (o && t) g.types.set(o, t);
    });
  }
  g.nodes = keep;
  // A graph output that became a constant stays a constant output; nothing else needs it.
  g.prune();
  return before - g.nodes.length;
}

/** Removes a pass-through node, keeping graph output names stable. */
function aliasAway(g: OnnxGraph, n: OnnxNode, processed: OnnxNode[]): void {
  const src = n.inputs[0]!,
    dst = n.outputs[0]!;
  const producer = processed.find((p) => p.outputs.includes(src));
  if (g.outputs.includes(dst) && producer && !g.outputs.includes(src) && !g.inputs.includes(src)) {
    // Rename the producer's output to the graph output's name instead of losing that name.
    producer.outputs = producer.outputs.map((o) => (o === src ? dst : o));
    for (const m of g.nodes) if (m !== n) m.inputs = m.inputs.map((i) => (i === src ? dst : i));
    const t = g.types.get(src);
    if (t) g.types.set(dst, t);
  } else {
    g.replaceUses(dst, src);
    for (const m of g.nodes) if (m !== n) m.inputs = m.inputs.map((i) => (i === dst ? src : i));
  }
}
