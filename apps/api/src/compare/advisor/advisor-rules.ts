/**
 * The advisor's rules: the practitioners' advice for mobile and edge inference, each checked
 * against the model's source graph and the measured, aligned layers of its results. A rule
 * about the graph (channels, batch norm, transposed or dilated convs) fires only where the
 * nodes concerned take a measured share of the profiled time; a rule about frameworks reads
 * the end-to-end verdicts (ratio of medians with a bootstrap interval). Gains are stated only
 * where the farm measured the alternative; otherwise the item says the gain was not measured.
 */
import {
  FRAMEWORK_FORMATS,
  type AdviceAction,
  type AdviceEvidence,
  type AdviceItem,
  type Framework,
  type LayerCompareRow,
  type ModelFormat,
} from '@farm/contracts';
import { ratioVerdict } from '@farm/stats';
import { resamplesFor, verdictText } from '../pair-verdicts.js';
import { layerDeltaText } from '../layer-deltas.js';
import type { SourceGraph, SourceNode } from '../alignment/source-graph.js';

/** A node set taking at least this share of some engine's profiled time is worth changing. */
export const COSTLY_SHARE = 0.05;
/** Above this share an item is high severity. */
export const LARGE_SHARE = 0.15;
/** One engine at least this many times slower than another on the same layers. */
export const FAR_SLOWER_FACTOR = 2;
/** At most this many layer-level items per device and rule: the rest adds little. */
const MAX_LAYER_ITEMS = 5;

export interface AdvisorCell {
  jobId: string;
  deviceId: string;
  deviceName: string;
  /** Label as /compare shows it, e.g. "onnxruntime (int8)". */
  framework: string;
  baseFramework: string;
  variant: string;
  medianMs: number;
  latenciesMs: readonly number[];
}

export interface AdvisorDevice {
  deviceId: string;
  deviceName: string;
  /** Frameworks the device's agent offers. */
  offered: readonly string[];
  cells: readonly AdvisorCell[];
  /** Rows of /compare/layers for this device (keys are job ids). */
  rows: readonly LayerCompareRow[];
}

export interface AdvisorInput {
  modelId: string;
  graph: SourceGraph;
  devices: readonly AdvisorDevice[];
  /** Formats of the model's original artifacts (what an untried framework could read). */
  formats: readonly ModelFormat[];
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const NOT_MEASURED_MODEL_CHANGE = 'not measured: the farm cannot change the model itself; make the change and benchmark the new model to measure it';

/** Every measured result's share of profiled time in the rows holding `nodes`. */
export function evidenceFor(nodes: readonly string[], devices: readonly AdvisorDevice[]): AdviceEvidence[] {
  const wanted = new Set(nodes);
  const out: AdviceEvidence[] = [];
  for (const d of devices) {
    const rows = d.rows.filter((r) => r.sourceNodes.some((n) => wanted.has(n)));
    for (const c of d.cells) {
      const cells = rows.map((r) => ({ r, cell: r.cells[c.jobId] })).filter((x) => !!x.cell);
      if (cells.length === 0) continue;
      const ms = cells.every((x) => x.cell!.timeMs !== null) ? cells.reduce((s, x) => s + x.cell!.timeMs!, 0) : null;
      out.push({
        deviceId: d.deviceId,
        deviceName: d.deviceName,
        framework: c.framework,
        jobId: c.jobId,
        share: cells.reduce((s, x) => s + x.cell!.share, 0),
        timeMs: ms,
        ownLayer: cells.some((x) => x.r.sourceNodes.every((n) => wanted.has(n))),
      });
    }
  }
  return out;
}

const maxShare = (e: readonly AdviceEvidence[]) => e.reduce((m, x) => Math.max(m, x.share), 0);
const severity = (share: number): AdviceItem['severity'] => (share >= LARGE_SHARE ? 'high' : 'medium');
const where = (e: readonly AdviceEvidence[]) =>
  e
    .slice()
    .sort((a, b) => b.share - a.share)
    .slice(0, 3)
    .map((x) => `${pct(x.share)} under ${x.framework} on ${x.deviceName}`)
    .join(', ');

function item(partial: Omit<AdviceItem, 'maxShare' | 'ratio' | 'layers' | 'actions' | 'deviceId'> & Partial<AdviceItem>): AdviceItem {
  return { deviceId: null, ratio: null, layers: [], actions: [], maxShare: maxShare(partial.evidence), ...partial };
}

function channelRule(input: AdvisorInput): AdviceItem[] {
  const graphInputs = new Set(input.graph.inputs);
  const items: AdviceItem[] = [];
  for (const n of input.graph.nodes) {
    if (!n.conv) continue;
    const problems: string[] = [];
    if (n.conv.outChannels % 8 !== 0) problems.push(`${n.conv.outChannels} output channels`);
    // The image's 3 channels are what the input is; only channels the model chose count.
    if (n.conv.inChannels % 8 !== 0 && !graphInputs.has(n.inputs[0] ?? '')) problems.push(`${n.conv.inChannels} input channels`);
    if (problems.length === 0) continue;
    const evidence = evidenceFor([n.name], input.devices);
    const share = maxShare(evidence);
    if (share < COSTLY_SHARE) continue;
    const up = (c: number) => Math.ceil(c / 8) * 8;
    items.push(
      item({
        rule: 'channels-not-multiple-of-8',
        severity: severity(share),
        title: `${n.opType} ${n.name}: ${problems.join(' and ')}, not a multiple of 8`,
        detail:
          `SIMD conv kernels (XNNPACK, ONNX Runtime's NCHWc, our int8 kernels) process channels in blocks of 4 to 16, so a count that is not a multiple of 8 ` +
          `leaves a partly used block at every pixel. Rounding to ${up(n.conv.outChannels)} output channels (or down, if accuracy allows) fills them. ` +
          `Measured share: ${where(evidence)}.`,
        nodes: [n.name],
        evidence,
        expectedGain: NOT_MEASURED_MODEL_CHANGE,
      }),
    );
  }
  return items;
}

function batchNormRule(input: AdvisorInput): AdviceItem[] {
  const producer = new Map<string, SourceNode>();
  for (const n of input.graph.nodes) for (const o of n.outputs) producer.set(o, n);
  return input.graph.nodes
    .filter((n) => n.opType === 'BatchNormalization')
    .map((n) => {
      const p = producer.get(n.inputs[0] ?? '');
      const afterConv = !!p?.conv;
      const evidence = evidenceFor([n.name], input.devices);
      const own = evidence.filter((e) => e.ownLayer);
      const fused = evidence.filter((e) => !e.ownLayer);
      const parts = [
        own.length > 0 ? `run as a layer of its own by ${own.map((e) => `${e.framework} (${pct(e.share)})`).join(', ')}` : '',
        fused.length > 0 ? `fused into a neighbour at load by ${[...new Set(fused.map((e) => e.framework))].join(', ')} (the group's share is shown)` : '',
      ].filter(Boolean);
      return item({
        rule: 'unfolded-batchnorm',
        severity: own.some((e) => e.share >= COSTLY_SHARE) ? 'medium' : 'info',
        title: `Unfolded BatchNormalization ${n.name}${afterConv ? ` after ${p!.opType} ${p!.name}` : ''}`,
        detail:
          (afterConv
            ? "A batch norm after a conv is an affine map per channel and can be folded into the conv weights and bias before deployment (e.g. onnxoptimizer's fuse_bn_into_conv pass), so no engine has to run or fuse it. "
            : 'This batch norm does not follow a conv, so it cannot be folded into one and costs a pass over its tensor. ') +
          (parts.length ? `Measured: ${parts.join('; ')}.` : 'No measured result covers it yet.'),
        nodes: [n.name],
        evidence,
        expectedGain: NOT_MEASURED_MODEL_CHANGE,
      });
    });
}

function convShapeRule(input: AdvisorInput, rule: 'transposed-conv' | 'dilated-conv'): AdviceItem[] {
  const items: AdviceItem[] = [];
  for (const n of input.graph.nodes) {
    if (!n.conv) continue;
    const hit = rule === 'transposed-conv' ? n.conv.transposed : n.conv.dilations.some((d) => d > 1);
    if (!hit) continue;
    const evidence = evidenceFor([n.name], input.devices);
    const share = maxShare(evidence);
    if (share < COSTLY_SHARE) continue;
    items.push(
      item({
        rule,
        severity: severity(share),
        title:
          rule === 'transposed-conv'
            ? `Transposed convolution ${n.name} takes ${pct(share)} of the profiled time`
            : `Dilated convolution ${n.name} (dilations ${n.conv.dilations.join('x')}) takes ${pct(share)} of the profiled time`,
        detail:
          (rule === 'transposed-conv'
            ? 'Mobile engines have few optimised kernels for transposed convolutions (often a generic path, or none on NPUs and GPU delegates); resize (nearest or bilinear) followed by a regular conv usually maps to fast kernels. '
            : 'Dilated convolutions fall off the fast paths of many mobile kernels and delegates; a stack of regular convs, or space-to-batch around a regular conv, usually maps to them. ') +
          `Measured share: ${where(evidence)}.`,
        nodes: [n.name],
        evidence,
        expectedGain: NOT_MEASURED_MODEL_CHANGE,
      }),
    );
  }
  return items;
}

function rowCells(r: LayerCompareRow, cells: readonly AdvisorCell[]) {
  const out: Record<string, { timeMs: number | null; share: number }> = {};
  for (const c of cells) {
    const cell = r.cells[c.jobId];
    if (cell) out[c.framework] = { timeMs: cell.timeMs, share: cell.share };
  }
  return out;
}

function int8Rule(input: AdvisorInput): AdviceItem[] {
  const items: AdviceItem[] = [];
  for (const d of input.devices) {
    for (const q of d.cells.filter((c) => c.variant !== 'original')) {
      const f = d.cells.find((c) => c.variant === 'original' && c.baseFramework === q.baseFramework);
      if (!f || q.latenciesMs.length === 0 || f.latenciesMs.length === 0) continue;
      const v = ratioVerdict(q.latenciesMs, f.latenciesMs, { resamples: resamplesFor(q.latenciesMs.length, f.latenciesMs.length) });
      if (v.verdict !== 'slower') continue;
      const layers = d.rows
        .map((r) => ({ r, a: r.cells[q.jobId], b: r.cells[f.jobId] }))
        .filter((x) => x.a?.timeMs != null && x.b?.timeMs != null && x.a.timeMs > x.b.timeMs)
        .sort((x, y) => y.a!.timeMs! - y.b!.timeMs! - (x.a!.timeMs! - x.b!.timeMs!))
        .slice(0, MAX_LAYER_ITEMS);
      const text = verdictText(q.framework, f.framework, v);
      items.push(
        item({
          rule: 'int8-slower-than-fp32',
          severity: 'high',
          deviceId: d.deviceId,
          title: `${q.framework} is slower than ${f.framework} on ${d.deviceName}`,
          detail:
            `${text}. Where int8 is slower, quantization is usually simulated ("fake quant": Q/DQ pairs around float kernels) or the engine lacks int8 kernels for some ops, ` +
            `so it pays conversions without integer arithmetic. ` +
            (layers.length
              ? `The layers where int8 costs more (profiler medians; their per-layer intervals are in the layer table): ${layers.map((x) => x.r.key).join(', ')}.`
              : ''),
          nodes: layers.flatMap((x) => x.r.sourceNodes),
          evidence: evidenceFor(
            layers.flatMap((x) => x.r.sourceNodes),
            [{ ...d, cells: [q, f] }],
          ),
          ratio: { a: q.framework, b: f.framework, ratio: v.ratio, low: v.low, high: v.high, level: v.level, verdict: v.verdict, text },
          layers: layers.map((x) => ({
            sourceNodes: x.r.sourceNodes,
            opTypes: x.r.opTypes,
            cells: rowCells(x.r, [q, f]),
            factor: x.b!.timeMs! > 0 ? x.a!.timeMs! / x.b!.timeMs! : null,
          })),
          expectedGain: `measured: staying on fp32 ${f.framework} is ${v.differencePct.toFixed(0)}% [${v.differenceLowPct.toFixed(0)}%, ${v.differenceHighPct.toFixed(0)}%] faster than ${q.framework} on ${d.deviceName}`,
        }),
      );
    }
  }
  return items;
}

function untriedActions(input: AdvisorInput, d: AdvisorDevice): AdviceAction[] {
  const measured = new Set(d.cells.map((c) => c.baseFramework));
  const actions: AdviceAction[] = [];
  const readable = d.offered.filter((f) => !measured.has(f) && (FRAMEWORK_FORMATS[f as Framework] ?? []).some((fmt) => input.formats.includes(fmt)));
  const plain = readable.filter((f) => f !== 'native-int8');
  if (plain.length > 0) {
    actions.push({
      label: `Benchmark ${plain.join(', ')} on ${d.deviceName} (offered there, not measured for this model)`,
      request: { modelId: input.modelId, targets: { deviceIds: [d.deviceId] }, frameworks: plain as Framework[] },
    });
  }
  const hasInt8 = d.cells.some((c) => c.variant !== 'original');
  const int8Frameworks = d.offered.filter((f) => f === 'onnxruntime' || f === 'native-int8') as Framework[];
  if (!hasInt8 && input.formats.includes('onnx') && int8Frameworks.length > 0) {
    actions.push({
      label: `Quantize to int8 with the farm's quantizer and benchmark it beside fp32 under ${int8Frameworks.join(', ')} on ${d.deviceName}`,
      request: { modelId: input.modelId, targets: { deviceIds: [d.deviceId] }, frameworks: int8Frameworks, quantize: { calibration: 'percentile' } },
    });
  }
  return actions;
}

function bestFrameworkRule(input: AdvisorInput): AdviceItem[] {
  return input.devices.flatMap((d) => {
    const sorted = [...d.cells].filter((c) => c.latenciesMs.length > 0).sort((a, b) => a.medianMs - b.medianMs);
    const actions = untriedActions(input, d);
    if (sorted.length === 0) return [];
    const best = sorted[0]!;
    if (sorted.length === 1) {
      return [
        item({
          rule: 'best-framework',
          severity: 'info',
          deviceId: d.deviceId,
          title: `Only ${best.framework} was measured on ${d.deviceName}`,
          detail: 'Nothing to compare it with on this device yet.',
          nodes: [],
          evidence: [],
          expectedGain: 'not measured: no other framework ran this model on this device',
          actions,
        }),
      ];
    }
    const second = sorted[1]!;
    const v = ratioVerdict(best.latenciesMs, second.latenciesMs, { resamples: resamplesFor(best.latenciesMs.length, second.latenciesMs.length) });
    const text = verdictText(best.framework, second.framework, v);
    return [
      item({
        rule: 'best-framework',
        severity: 'info',
        deviceId: d.deviceId,
        title:
          v.verdict === 'same'
            ? `${best.framework} and ${second.framework} lead on ${d.deviceName}, with no detectable difference`
            : `${best.framework} is the fastest on ${d.deviceName}`,
        detail: `Of ${sorted.length} measured cells; the margin is against the runner-up: ${text}.`,
        nodes: [],
        evidence: [],
        ratio: { a: best.framework, b: second.framework, ratio: v.ratio, low: v.low, high: v.high, level: v.level, verdict: v.verdict, text },
        expectedGain:
          v.verdict === 'same'
            ? `measured: no detectable difference between ${best.framework} and ${second.framework}`
            : `measured: ${text} (against the runner-up; more against the others)`,
        actions,
      }),
    ];
  });
}

function farSlowerRule(input: AdvisorInput): AdviceItem[] {
  const items: AdviceItem[] = [];
  for (const d of input.devices) {
    const cells = d.cells.filter((c) => c.variant === 'original');
    const found: { r: LayerCompareRow; slow: AdvisorCell; fast: AdvisorCell; factor: number; excess: number; share: number }[] = [];
    for (const r of d.rows) {
      const timed = cells.map((c) => ({ c, cell: r.cells[c.jobId] })).filter((x) => x.cell?.timeMs != null && x.cell.timeMs > 0);
      if (timed.length < 2) continue;
      timed.sort((a, b) => a.cell!.timeMs! - b.cell!.timeMs!);
      const fast = timed[0]!;
      const slow = timed[timed.length - 1]!;
      const factor = slow.cell!.timeMs! / fast.cell!.timeMs!;
      if (factor < FAR_SLOWER_FACTOR || slow.cell!.share < COSTLY_SHARE || r.lowConfidence) continue;
      // With per-run samples, a layer whose interval holds no difference is not "far slower".
      if (layerDelta(r, fast.c.jobId, slow.c.jobId)?.verdict === 'same') continue;
      found.push({ r, slow: slow.c, fast: fast.c, factor, excess: slow.cell!.timeMs! - fast.cell!.timeMs!, share: slow.cell!.share });
    }
    found.sort((a, b) => b.excess - a.excess);
    for (const f of found.slice(0, MAX_LAYER_ITEMS)) {
      const v = ratioVerdict(f.fast.latenciesMs, f.slow.latenciesMs, { resamples: resamplesFor(f.fast.latenciesMs.length, f.slow.latenciesMs.length) });
      const text = verdictText(f.fast.framework, f.slow.framework, v);
      items.push(
        item({
          rule: 'layer-far-slower',
          severity: severity(f.share),
          deviceId: d.deviceId,
          title: `${f.r.opTypes.join('+')} ${f.r.key}: ${f.slow.framework} takes ${f.factor.toFixed(1)}x the time of ${f.fast.framework} on ${d.deviceName}`,
          detail:
            `${layerIntervalText(f.r, f.fast, f.slow)}; this row is ${pct(f.share)} of ${f.slow.framework}'s profiled time. ` +
            `End to end on this device: ${text}.`,
          nodes: f.r.sourceNodes,
          evidence: evidenceFor(f.r.sourceNodes, [{ ...d, cells: [f.slow, f.fast] }]),
          ratio: { a: f.fast.framework, b: f.slow.framework, ratio: v.ratio, low: v.low, high: v.high, level: v.level, verdict: v.verdict, text },
          layers: [{ sourceNodes: f.r.sourceNodes, opTypes: f.r.opTypes, cells: rowCells(f.r, [f.slow, f.fast]), factor: f.factor }],
          expectedGain:
            v.verdict === 'faster'
              ? `measured end to end: ${text}; the layer-level gain is not measured separately`
              : `end to end: ${text}; a layer-level gain is not measured separately`,
        }),
      );
    }
  }
  return items;
}

/** The row's delta between two cells, whichever way round the columns were ordered. */
function layerDelta(r: LayerCompareRow, x: string, y: string) {
  return r.deltas.find((d) => (d.a === x && d.b === y) || (d.a === y && d.b === x));
}

function layerIntervalText(r: LayerCompareRow, fast: AdvisorCell, slow: AdvisorCell): string {
  const d = layerDelta(r, fast.jobId, slow.jobId);
  if (!d) return "From each profiler's per-layer median (no per-layer interval: per-run layer samples are missing)";
  const [a, b] = d.a === fast.jobId ? [fast, slow] : [slow, fast];
  const text = layerDeltaText(d, a.framework, b.framework);
  return d.verdict === 'unknown' ? `From each profiler's per-layer median; ${text}` : `Per layer, from the profiled runs: ${text}`;
}

export function advise(input: AdvisorInput): AdviceItem[] {
  const order = { high: 0, medium: 1, info: 2 } as const;
  return [
    ...bestFrameworkRule(input),
    ...int8Rule(input),
    ...channelRule(input),
    ...batchNormRule(input),
    ...convShapeRule(input, 'transposed-conv'),
    ...convShapeRule(input, 'dilated-conv'),
    ...farSlowerRule(input),
  ].sort((a, b) => order[a.severity] - order[b.severity] || b.maxShare - a.maxShare);
}
