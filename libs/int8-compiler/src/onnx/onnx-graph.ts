/**
 * The compiler's ONNX-level IR: a flat, mutable node list plus constants and value types.
 * Loading, the float passes (constant folding, BN folding), the quantizer and the network
 * builders all work on this form; it converts back to a ModelProto losslessly enough for
 * ONNX Runtime to load the result.
 */
import { DomainError } from '@farm/contracts';
import {
  type Attr,
  type DType,
  type IModelProto,
  type ModelProto,
  type Tensor,
  attrFromProto,
  attrToProto,
  decodeModel,
  dtypeFromOnnx,
  dtypeToOnnx,
  encodeModel,
  onnx,
  tensorFromProto,
  tensorToProto,
  toNum,
} from './onnx-proto.js';

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, Attr>;
}

export interface ValueType {
  dtype: DType;
  /** Static dims; undefined when not (yet) known. */
  shape?: number[];
}

export class OnnxGraph {
  nodes: OnnxNode[] = [];
  inputs: string[] = [];
  outputs: string[] = [];
  constants = new Map<string, Tensor>();
  types = new Map<string, ValueType>();
  opset = 13;
  /** Extra opset imports (e.g. com.microsoft) kept so the written model still loads. */
  otherOpsets: { domain: string; version: number }[] = [];
  name = 'graph';
  private counter = 0;

  static fromBytes(bytes: Uint8Array): OnnxGraph {
    return OnnxGraph.fromModel(decodeModel(bytes));
  }

  static fromModel(m: ModelProto): OnnxGraph {
    const g = new OnnxGraph();
    const gp = m.graph;
    if (!gp) throw new DomainError('MODEL_INVALID', 'ONNX model has no graph');
    g.name = gp.name || 'graph';
    for (const o of m.opsetImport ?? []) {
      if (!o.domain || o.domain === 'ai.onnx') g.opset = toNum(o.version);
      else g.otherOpsets.push({ domain: o.domain, version: toNum(o.version) });
    }
    for (const t of gp.initializer ?? []) g.constants.set(t.name ?? '', tensorFromProto(t));
    const readVi = (vi: {
      name?: string | null;
      type?: { tensorType?: { elemType?: number | null; shape?: { dim?: { dimValue?: unknown; dimParam?: string | null }[] | null } | null } | null } | null;
    }) => {
      const tt = vi.type?.tensorType;
      if (!tt || !vi.name) return;
      const dims = tt.shape?.dim;
      let shape: number[] | undefined;
      if (dims) {
        shape = dims.map((d) => (d.dimParam ? -1 : toNum(d.dimValue)));
        if (shape.some((d) => d <= 0)) shape = undefined;
      }
      g.types.set(vi.name, { dtype: dtypeFromOnnx(tt.elemType ?? 1), shape });
    };
    for (const vi of gp.input ?? []) {
      readVi(vi);
      // Old exporters list initializers among the inputs; those are weights, not inputs.
      if (!g.constants.has(vi.name ?? '')) g.inputs.push(vi.name ?? '');
    }
    for (const vi of gp.output ?? []) {
      readVi(vi);
      g.outputs.push(vi.name ?? '');
    }
    for (const vi of gp.valueInfo ?? []) readVi(vi);
    for (const n of gp.node ?? []) {
      const attrs: Record<string, Attr> = {};
      for (const a of n.attribute ?? []) attrs[a.name ?? ''] = attrFromProto(a);
      g.nodes.push({
        name: n.name || '',
        opType: n.opType ?? '',
        domain: n.domain && n.domain !== 'ai.onnx' ? n.domain : '',
        inputs: [...(n.input ?? [])],
        outputs: [...(n.output ?? [])],
        attrs,
      });
    }
    // Unnamed nodes get stable names so errors and plans can point at them.
    g.nodes.forEach((n, i) => {
      if (!n.name) n.name = `${n.opType}_${i}`;
    });
    return g;
  }

  /** A name not used by any value or node yet. */
  fresh(base: string): string {
    const used = (s: string) => this.constants.has(s) || this.types.has(s) || this.nodes.some((n) => n.name === s || n.outputs.includes(s));
    let s = base;
    while (used(s)) s = `${base}_${++this.counter}`;
    return s;
  }

  producerMap(): Map<string, OnnxNode> {
    const m = new Map<string, OnnxNode>();
    for (const n of this.nodes) for (const o of n.outputs) if (o) m.set(o, n);
    return m;
  }

  consumerMap(): Map<string, OnnxNode[]> {
    const m = new Map<string, OnnxNode[]>();
    for (const n of this.nodes)
      for (const i of n.inputs) {
        if (!i) continue;
        const l = m.get(i);
        if (l) l.push(n);
        else m.set(i, [n]);
      }
    return m;
  }

  /** Rewrites every use of `from` (node inputs and graph outputs) to `to`. */
  replaceUses(from: string, to: string): void {
    for (const n of this.nodes) n.inputs = n.inputs.map((i) => (i === from ? to : i));
    this.outputs = this.outputs.map((o) => (o === from ? to : o));
  }

  /** Drops nodes and constants nothing reaches from the graph outputs. */
  prune(): void {
    const prod = this.producerMap();
    const live = new Set<OnnxNode>();
    const seen = new Set<string>();
    const stack = [...this.outputs];
    while (stack.length) {
      const v = stack.pop()!;
      if (seen.has(v)) continue;
      seen.add(v);
      const p = prod.get(v);
      if (p && !live.has(p)) {
        live.add(p);
        for (const i of p.inputs) if (i) stack.push(i);
      }
    }
    this.nodes = this.nodes.filter((n) => live.has(n));
    for (const k of [...this.constants.keys()]) if (!seen.has(k)) this.constants.delete(k);
  }

  /** Orders nodes so every input is produced before use (Kahn); throws on a cycle. */
  toposort(): void {
    const prod = this.producerMap();
    const done = new Set<OnnxNode>();
    const out: OnnxNode[] = [];
    const visiting = new Set<OnnxNode>();
    const visit = (n: OnnxNode) => {
      if (done.has(n)) return;
      if (visiting.has(n)) throw new DomainError('MODEL_INVALID', `graph has a cycle through node ${n.name}`);
      visiting.add(n);
      for (const i of n.inputs) {
        const p = prod.get(i);
        if (p) visit(p);
      }
      visiting.delete(n);
      done.add(n);
      out.push(n);
    };
    for (const n of this.nodes) visit(n);
    this.nodes = out;
  }

  clone(): OnnxGraph {
    const g = new OnnxGraph();
    g.nodes = this.nodes.map((n) => ({ ...n, inputs: [...n.inputs], outputs: [...n.outputs], attrs: { ...n.attrs } }));
    g.inputs = [...this.inputs];
    g.outputs = [...this.outputs];
    g.constants = new Map(this.constants);
    g.types = new Map([...this.types].map(([k, v]) => [k, { dtype: v.dtype, shape: v.shape && [...v.shape] }]));
    g.opset = this.opset;
    g.otherOpsets = [...this.otherOpsets];
    g.name = this.name;
    return g;
  }

  toModel(opts: { extraOutputs?: string[]; producer?: string } = {}): IModelProto {
    const vi = (name: string) => {
      const t = this.types.get(name);
      const shape = t?.shape ? { dim: t.shape.map((d) => ({ dimValue: d })) } : undefined;
      return onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: dtypeToOnnx(t?.dtype ?? 'float32'), shape } } });
    };
    const graph = onnx.GraphProto.create({
      name: this.name,
      node: this.nodes.map((n) =>
        onnx.NodeProto.create({
          name: n.name,
          opType: n.opType,
          domain: n.domain || undefined,
          input: n.inputs,
          output: n.outputs,
          attribute: Object.entries(n.attrs).map(([k, a]) => attrToProto(k, a)),
        }),
      ),
      initializer: [...this.constants].map(([k, t]) => tensorToProto(k, t)),
      input: this.inputs.map(vi),
      output: [...this.outputs, ...(opts.extraOutputs ?? [])].map((name) => {
        // Intermediate outputs get a type without a shape: ORT then reports whatever it computes.
        const t = this.types.get(name);
        return this.outputs.includes(name)
          ? vi(name)
          : onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: dtypeToOnnx(t?.dtype ?? 'float32') } } });
      }),
    });
    return onnx.ModelProto.create({
      irVersion: this.opset >= 21 ? 10 : this.opset >= 19 ? 9 : 7,
      producerName: opts.producer ?? '@farm/int8-compiler',
      opsetImport: [{ domain: '', version: this.opset }, ...this.otherOpsets.map((o) => ({ domain: o.domain, version: o.version }))],
      graph,
    });
  }

  toBytes(opts: { extraOutputs?: string[] } = {}): Uint8Array {
    return encodeModel(this.toModel(opts));
  }
}

// ---- attribute getters --------------------------------------------------------------------

export function attrInt(n: OnnxNode, name: string, dflt: number): number {
  const a = n.attrs[name];
  return a && (a.kind === 'i' || a.kind === 'f') ? a.v : dflt;
}

export function attrFloat(n: OnnxNode, name: string, dflt: number): number {
  const a = n.attrs[name];
  return a && (a.kind === 'f' || a.kind === 'i') ? a.v : dflt;
}

export function attrInts(n: OnnxNode, name: string): number[] | undefined {
  const a = n.attrs[name];
  return a && (a.kind === 'is' || a.kind === 'fs') ? a.v : undefined;
}

export function attrFloats(n: OnnxNode, name: string): number[] | undefined {
  const a = n.attrs[name];
  return a && (a.kind === 'fs' || a.kind === 'is') ? a.v : undefined;
}

export function attrStr(n: OnnxNode, name: string, dflt: string): string {
  const a = n.attrs[name];
  return a && a.kind === 's' ? a.v : dflt;
}

export function attrTensor(n: OnnxNode, name: string): Tensor | undefined {
  const a = n.attrs[name];
  return a && a.kind === 't' ? a.v : undefined;
}

export const A = {
  i: (v: number): Attr => ({ kind: 'i', v }),
  f: (v: number): Attr => ({ kind: 'f', v }),
  s: (v: string): Attr => ({ kind: 's', v }),
  is: (v: number[]): Attr => ({ kind: 'is', v }),
  fs: (v: number[]): Attr => ({ kind: 'fs', v }),
  t: (v: Tensor): Attr => ({ kind: 't', v }),
};

export function unsupported(n: OnnxNode, why?: string): DomainError {
  return new DomainError(
    'FRAMEWORK_UNSUPPORTED',
    `native-int8 compiler: unsupported op ${n.domain ? n.domain + '.' : ''}${n.opType} (node "${n.name}")${why ? ': ' + why : ''}`,
    { opType: n.opType, node: n.name },
  );
}
