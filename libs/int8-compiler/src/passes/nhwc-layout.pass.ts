/**
 * Layout conversion: turns the logical-layout plan IR (ONNX NCHW shapes and axes) into the
 * plan's storage layout. Rank-4 activations inside the graph are stored NHWC, conv weights
 * OHWI (depthwise [1,KH,KW,C*M]); graph inputs and outputs keep ONNX's layout so the runner's
 * raw input/output bytes are exactly ONNX Runtime's tensors.
 *
 * Every logical tensor is a view {storage tensor, perm} with storage.shape[j] = logical[perm[j]].
 * An ONNX Transpose is then a free relabelling of the same storage; a transpose op is only
 * emitted where an op needs another order, and a byte-identical order change (only size-1
 * axes move, e.g. [N,C,1,1] <-> [N,1,1,C]) becomes a reshape.
 */
import { DomainError } from '@farm/contracts';
import { transposeTensor } from './constant-fold.pass.js';
import type { Tensor } from '../onnx/onnx-proto.js';
import { normAxis } from '../onnx/shape-inference.js';
import { PlanGraph, type PlanOp, type PlanTensor, renameTensor } from '../plan/plan-ir.js';

const NHWC = [0, 2, 3, 1];

interface View {
  sid: number;
  perm: number[];
}

const identity = (r: number) => Array.from({ length: r }, (_, i) => i);
const isIdentity = (p: number[]) => p.every((v, i) => v === i);
const key = (p: number[]) => p.join(',');

/** Storage byte order is the same under both perms when only size-1 axes differ. */
function byteEquivalent(shape: number[], a: number[], b: number[]): boolean {
  const order = (p: number[]) => p.filter((ax) => shape[ax] !== 1);
  return key(order(a)) === key(order(b));
}

export function toNhwc(src: PlanGraph): PlanGraph {
  const dst = new PlanGraph();
  const views = new Map<number, View>();
  const cache = new Map<string, number>();

  const storageName = (t: PlanTensor, perm: number[]) =>
    isIdentity(perm) ? t.name : key(perm) === key(NHWC) ? `${t.name}__nhwc` : `${t.name}__p${perm.join('')}`;

  const newStorage = (t: PlanTensor, perm: number[], name = storageName(t, perm)): number => {
    const quant = t.quant && t.quant.axis !== null ? { ...t.quant, axis: perm.indexOf(t.quant.axis) } : t.quant;
    let data = t.data;
    if (data && !isIdentity(perm)) data = transposeTensor({ dtype: t.dtype, dims: t.shape, data } as Tensor, perm).data;
    return dst.add({ name, dtype: t.dtype, shape: perm.map((p) => t.shape[p]!), quant, data }).id;
  };

  const define = (tid: number, perm: number[]): number => {
    const sid = newStorage(src.t(tid), perm);
    views.set(tid, { sid, perm });
    return sid;
  };

  /** Storage tensor holding logical tensor `tid` in order `perm`, converting if needed. */
  const get = (tid: number, perm: number[], opName: string): number => {
    const t = src.t(tid);
    const ck = `${tid}|${key(perm)}`;
    const hit = cache.get(ck);
    if (hit !== undefined) return hit;
    const v = views.get(tid);
    if (!v) {
      if (!t.data) throw new Error(`plan tensor ${t.name} used before it is produced`);
      // Constants are laid out per use, directly in the order wanted.
      const sid = newStorage(t, perm);
      cache.set(ck, sid);
      return sid;
    }
    if (key(v.perm) === key(perm)) return v.sid;
    const out = newStorage({ ...t, data: undefined }, perm);
    if (byteEquivalent(t.shape, v.perm, perm)) dst.op('reshape', `${opName}/relayout`, [v.sid], [out]);
    else dst.op('transpose', `${opName}/relayout`, [v.sid], [out], { perm: perm.map((ax) => v!.perm.indexOf(ax)) });
    cache.set(ck, out);
    return out;
  };

  const viewPerm = (tid: number) => views.get(tid)?.perm ?? identity(src.t(tid).shape.length);
  const naturalPerm = (tid: number) => (src.t(tid).shape.length === 4 ? NHWC : identity(src.t(tid).shape.length));

  for (const id of src.inputs) {
    const sid = newStorage(src.t(id), identity(src.t(id).shape.length));
    views.set(id, { sid, perm: identity(src.t(id).shape.length) });
    dst.inputs.push(sid);
  }

  for (const op of src.ops) {
    const emit = (type: PlanOp['type'], inputs: number[], outputs: number[], attrs = op.attrs) => dst.op(type, op.name, inputs, outputs, attrs);
    const x = op.inputs[0]!;
    const xt = src.t(x);
    switch (op.type) {
      case 'conv2d': {
        const w = src.t(op.inputs[1]!);
        const cin = xt.shape[1]!;
        const groups = typeof op.attrs.groups === 'number' ? op.attrs.groups : 1;
        const xs = get(x, NHWC, op.name);
        const bias = op.inputs[2] !== undefined ? [get(op.inputs[2], [0], op.name)] : [];
        if (groups > 1 && groups === cin && w.shape[1] === 1) {
          const ws = newStorage(w, [1, 2, 3, 0]);
          const { groups: _g, ...rest } = op.attrs;
          emit('depthwise_conv2d', [xs, ws, ...bias], [define(op.outputs[0]!, NHWC)], { ...rest, depthMultiplier: w.shape[0]! / cin });
        } else {
          emit('conv2d', [xs, newStorage(w, NHWC), ...bias], [define(op.outputs[0]!, NHWC)]);
        }
        break;
      }
      case 'max_pool':
      case 'avg_pool':
      case 'global_avg_pool':
      case 'resize_nearest':
      case 'resize_bilinear':
        emit(op.type, [get(x, NHWC, op.name)], [define(op.outputs[0]!, NHWC)]);
        break;
      case 'fully_connected': {
        const ins = [get(x, identity(xt.shape.length), op.name), ...op.inputs.slice(1).map((i) => get(i, identity(src.t(i).shape.length), op.name))];
        emit(op.type, ins, [define(op.outputs[0]!, identity(src.t(op.outputs[0]!).shape.length))]);
        break;
      }
      case 'add':
      case 'concat': {
        const out = src.t(op.outputs[0]!);
        const perm = naturalPerm(op.outputs[0]!);
        const ins = op.inputs.map((i) => {
          const it = src.t(i);
          if (it.shape.length === out.shape.length) return get(i, perm, op.name);
          if (!it.data)
            throw new DomainError(
              'FRAMEWORK_UNSUPPORTED',
              `op "${op.name}": broadcasting an activation of rank ${it.shape.length} against rank ${out.shape.length}`,
            );
          // Constant operand of lower rank: align it to the output's rank, then lay it out.
          const padded: PlanTensor = { ...it, shape: [...new Array(out.shape.length - it.shape.length).fill(1), ...it.shape] };
          return newStorage(padded, perm);
        });
        const attrs = op.type === 'concat' ? { axis: perm.indexOf(normAxis(op.attrs.axis as number, out.shape.length)) } : op.attrs;
        emit(op.type, ins, [define(op.outputs[0]!, perm)], attrs);
        break;
      }
      case 'pad': {
        const perm = naturalPerm(op.outputs[0]!);
        const r = perm.length;
        const pads = op.attrs.pads as number[];
        emit('pad', [get(x, perm, op.name)], [define(op.outputs[0]!, perm)], {
          ...op.attrs,
          pads: [...perm.map((p) => pads[p]!), ...perm.map((p) => pads[r + p]!)],
        });
        break;
      }
      case 'quantize':
      case 'dequantize':
      case 'relu':
      case 'clip':
      case 'sigmoid': {
        // Feeding a graph output: convert the layout on the (smaller) integer side of a dequantize.
        const perm = src.outputs.includes(op.outputs[0]!) ? identity(xt.shape.length) : viewPerm(x);
        emit(op.type, [get(x, perm, op.name)], [define(op.outputs[0]!, perm)]);
        break;
      }
      case 'softmax': {
        const perm = viewPerm(x);
        emit('softmax', [get(x, perm, op.name)], [define(op.outputs[0]!, perm)], { axis: perm.indexOf(normAxis(op.attrs.axis as number, perm.length)) });
        break;
      }
      case 'reshape': {
        const v = views.get(x);
        const r = xt.shape.length;
        const input = v && byteEquivalent(xt.shape, v.perm, identity(r)) ? v.sid : get(x, identity(r), op.name);
        emit('reshape', [input], [define(op.outputs[0]!, identity(src.t(op.outputs[0]!).shape.length))]);
        break;
      }
      case 'transpose': {
        const tp = op.attrs.perm as number[];
        const v = views.get(x) ?? { sid: get(x, identity(xt.shape.length), op.name), perm: identity(xt.shape.length) };
        // Same bytes, relabelled: output axis a is input axis tp[a].
        views.set(op.outputs[0]!, { sid: v.sid, perm: v.perm.map((ax) => tp.indexOf(ax)) });
        break;
      }
      default:
        emit(
          op.type,
          op.inputs.map((i) => get(i, viewPerm(i), op.name)),
          op.outputs.map((o) => define(o, viewPerm(x))),
        );
    }
  }

  for (const id of src.outputs) {
    const t = src.t(id);
    let sid = get(id, identity(t.shape.length), 'output');
    if (dst.t(sid).name !== t.name) {
      const shared = dst.inputs.includes(sid) || dst.outputs.includes(sid) || !renameTensor(dst, sid, t.name);
      if (shared) {
        const copy = dst.add({ name: t.name, dtype: t.dtype, shape: dst.t(sid).shape, quant: t.quant });
        dst.op('reshape', `${t.name}/copy`, [sid], [copy.id]);
        sid = copy.id;
      }
    }
    dst.outputs.push(sid);
  }
  dst.compact();
  dst.uniquifyOpNames();
  return dst;
}
