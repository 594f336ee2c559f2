/**
 * Builds the side-by-side rows from several results' alignments. A row is a connected set of
 * source nodes: if one engine times conv+ReLU as one layer and another times them apart, the
 * row is {conv, ReLU} and both engines' times are summed over it, so every cell in a row
 * covers the same part of the graph. Rows follow the source graph's order.
 */
import type { LayerBasis, LayerCompareCell, LayerCompareRow, OpClass } from '@farm/contracts';
import { LOW_CONFIDENCE, type LayerMatch, type ProfiledLayer } from './layer-alignment.js';
import type { SourceGraph } from './source-graph.js';

export interface AlignedColumn {
  key: string;
  layerBasis: LayerBasis | null;
  layers: readonly ProfiledLayer[];
  matches: readonly LayerMatch[];
}

export interface ColumnCoverage {
  profiledMs: number;
  matchedShare: number;
  lowConfidenceShare: number;
  unmatched: ProfiledLayer[];
}

class UnionFind {
  private readonly parent = new Map<string, string>();
  find(x: string): string {
    let p = this.parent.get(x) ?? x;
    if (p !== x) {
      p = this.find(p);
      this.parent.set(x, p);
    }
    return p;
  }
  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(rb, ra);
  }
}

const MAIN_CLASSES: readonly OpClass[] = ['conv', 'depthwise_conv', 'fully_connected', 'pool', 'resize', 'softmax'];

export function coverage(col: AlignedColumn): ColumnCoverage {
  const profiledMs = col.layers.reduce((s, l) => s + l.timeMs, 0);
  const byIdx = new Map(col.matches.map((m) => [m.idx, m]));
  let matched = 0;
  let low = 0;
  const unmatched: ProfiledLayer[] = [];
  for (const l of col.layers) {
    const m = byIdx.get(l.idx);
    if (!m || m.sourceNodes.length === 0) {
      unmatched.push(l);
      continue;
    }
    matched += l.timeMs;
    if (m.confidence < LOW_CONFIDENCE) low += l.timeMs;
  }
  return {
    profiledMs,
    matchedShare: profiledMs > 0 ? matched / profiledMs : 0,
    lowConfidenceShare: profiledMs > 0 ? low / profiledMs : 0,
    unmatched,
  };
}

/** Row key -> column key -> that cell's time in each profiled run (ms), for the cells whose layers all carry samples. */
export type CellSamples = Map<string, Map<string, number[]>>;

/** The column's per-run sample count: every layer carries the same count (the result contract checks it), 0 without samples. */
export function columnRuns(col: AlignedColumn): number {
  return col.layers[0]?.samplesMs?.length ?? 0;
}

/**
 * @param samplesOut filled, when given, with each cell's per-run times: the sum over the cell's
 *   layers of their time in run i, so a fused group's samples cover the same runs as its parts.
 */
export function alignedRows(graph: SourceGraph, columns: readonly AlignedColumn[], samplesOut?: CellSamples): Omit<LayerCompareRow, 'deltas'>[] {
  const uf = new UnionFind();
  for (const c of columns) for (const m of c.matches) for (const s of m.sourceNodes.slice(1)) uf.union(m.sourceNodes[0]!, s);
  const order = new Map(graph.nodes.map((n, i) => [n.name, i]));
  const nodeByName = new Map(graph.nodes.map((n) => [n.name, n]));

  const rowNodes = new Map<string, Set<string>>();
  for (const c of columns)
    for (const m of c.matches)
      for (const s of m.sourceNodes) {
        const r = uf.find(s);
        if (!rowNodes.has(r)) rowNodes.set(r, new Set());
        rowNodes.get(r)!.add(s);
      }

  const cells = new Map<
    string,
    Map<
      string,
      { ms: number; samples: number[] | null; layers: string[]; confidence: number; weight: number; minConfidence: number; methods: Set<LayerMatch['method']> }
    >
  >();
  for (const c of columns) {
    const byIdx = new Map(c.layers.map((l) => [l.idx, l]));
    const runs = columnRuns(c);
    for (const m of c.matches) {
      if (m.sourceNodes.length === 0) continue;
      const l = byIdx.get(m.idx);
      if (!l) continue;
      const r = uf.find(m.sourceNodes[0]!);
      const perCol = cells.get(r) ?? new Map();
      cells.set(r, perCol);
      const cell = perCol.get(c.key) ?? {
        ms: 0,
        samples: runs > 0 ? new Array<number>(runs).fill(0) : null,
        layers: [],
        confidence: 0,
        weight: 0,
        minConfidence: 1,
        methods: new Set(),
      };
      cell.ms += l.timeMs;
      if (cell.samples && l.samplesMs?.length === runs) for (let i = 0; i < runs; i++) cell.samples[i]! += l.samplesMs[i]!;
      else cell.samples = null;
      cell.layers.push(l.name);
      // Time-weighted: a conv matched by name keeps its row's confidence when a small layout
      // conversion placed by order joins it; a row whose time is mostly placed by order does not.
      cell.weight += l.timeMs;
      cell.confidence += l.timeMs * m.confidence;
      cell.minConfidence = Math.min(cell.minConfidence, m.confidence);
      cell.methods.add(m.method);
      perCol.set(c.key, cell);
    }
  }

  const covs = new Map(columns.map((c) => [c.key, coverage(c)]));
  const rows: Omit<LayerCompareRow, 'deltas'>[] = [];
  for (const [root, nodes] of rowNodes) {
    const names = [...nodes].sort((a, b) => (order.get(a) ?? 1e9) - (order.get(b) ?? 1e9));
    const srcNodes = names.map((n) => nodeByName.get(n)).filter((n) => n !== undefined);
    const main = srcNodes.find((n) => MAIN_CLASSES.includes(n.opClass)) ?? srcNodes[0];
    const rowCells: Record<string, LayerCompareCell | null> = {};
    let lowConfidence = false;
    for (const c of columns) {
      const cell = cells.get(root)?.get(c.key);
      if (!cell) {
        rowCells[c.key] = null;
        continue;
      }
      const total = covs.get(c.key)!.profiledMs;
      const confidence = cell.weight > 0 ? cell.confidence / cell.weight : cell.minConfidence;
      if (confidence < LOW_CONFIDENCE) lowConfidence = true;
      rowCells[c.key] = {
        timeMs: c.layerBasis === 'ms' ? cell.ms : null,
        share: total > 0 ? cell.ms / total : 0,
        layers: cell.layers,
        confidence,
        methods: [...cell.methods],
        runs: cell.samples?.length ?? 0,
      };
      if (cell.samples && samplesOut) {
        const perRow = samplesOut.get(names[0]!) ?? new Map<string, number[]>();
        perRow.set(c.key, cell.samples);
        samplesOut.set(names[0]!, perRow);
      }
    }
    rows.push({
      key: names[0]!,
      sourceNodes: names,
      opTypes: srcNodes.map((n) => n.opType),
      opClass: main?.opClass ?? 'other',
      group: names.length > 1,
      lowConfidence,
      cells: rowCells,
    });
  }
  return rows.sort((a, b) => (order.get(a.key) ?? 1e9) - (order.get(b.key) ?? 1e9));
}
