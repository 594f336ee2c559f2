/**
 * Parses the per-layer lines an NCNN build with -DNCNN_BENCHMARK=ON prints around every layer's
 * forward (Tencent/ncnn src/benchmark.cpp: "%-24s %-30s %8.2lfms    |" then optional shapes and
 * kernel/stride; src/net.cpp's Vulkan path prints "%8.2lfus    |" from GPU timestamps). One line per
 * layer per forward pass, so a run of N passes prints the layer sequence N times.
 */
import type { RunnerLayerTiming } from '@farm/contracts';
import { layerRunTimes } from '../profile-warmup.js';
import { outputLines, RunnerOutputFormatError, stripLogcatPrefix, toNumber } from './runner-output-format.error.js';

const TOOL = 'NCNN_BENCHMARK layer timings';

export interface NcnnLayerLine {
  type: string;
  name: string;
  timeMs: number;
  /** "us" lines come from Vulkan timestamp queries (GPU time), "ms" lines from the CPU clock. */
  unit: 'ms' | 'us';
  /** e.g. "[ 227, 227,   3 *1]" (w, h, c, elempack), absent for in-place layers. */
  inShape: string | null;
  outShape: string | null;
  kernel: number[] | null;
  stride: number[] | null;
}

// Names longer than the field widths push the columns right, so this reads tokens, not columns.
const LAYER =
  /^(\S+)\s+(\S+)\s+(\d+(?:\.\d+)?)(ms|us)\s{4}\|(?:\s*(\[[^\]]*\])\s*->\s*(\[[^\]]*\]))?(?:\s+kernel: (\d+(?: x \d+)*)\s+stride: (\d+(?: x \d+)*))?\s*$/;

export function isNcnnLayerLine(line: string): boolean {
  return LAYER.test(stripLogcatPrefix(line));
}

/** Every per-layer line in order; other lines are ignored. */
export function parseNcnnLayerLines(text: string): NcnnLayerLine[] {
  return outputLines(text).flatMap((raw) => {
    const m = LAYER.exec(stripLogcatPrefix(raw));
    if (!m) return [];
    const dims = (s: string | undefined) => (s === undefined ? null : s.split(' x ').map((d) => toNumber(d, TOOL, 'kernel/stride')));
    const t = toNumber(m[3], TOOL, `time of layer ${m[2]}`);
    return [
      {
        type: m[1]!,
        name: m[2]!,
        timeMs: m[4] === 'us' ? t / 1000 : t,
        unit: m[4] as 'ms' | 'us',
        inShape: m[5] ?? null,
        outShape: m[6] ?? null,
        kernel: dims(m[7]),
        stride: dims(m[8]),
      },
    ];
  });
}

/**
 * Splits the lines into forward passes (the layer sequence repeats from its first layer) and
 * checks every pass runs the same layers in the same order. Throws otherwise: lines from two
 * models, or a truncated pass, must not be averaged together.
 */
export function ncnnLayerPasses(lines: readonly NcnnLayerLine[]): NcnnLayerLine[][] {
  if (lines.length === 0) return [];
  const key = (l: NcnnLayerLine) => `${l.type} ${l.name}`;
  const first = key(lines[0]!);
  const passes: NcnnLayerLine[][] = [];
  for (const line of lines) {
    if (key(line) === first) passes.push([]);
    passes[passes.length - 1]!.push(line);
  }
  const order = passes[0]!.map(key).join('\n');
  const odd = passes.findIndex((p) => p.map(key).join('\n') !== order);
  if (odd >= 0) {
    throw new RunnerOutputFormatError(TOOL, `forward pass ${odd + 1} of ${passes.length} does not run the same ${passes[0]!.length} layers in the same order`);
  }
  return passes;
}

/**
 * Each layer's median time over the passes after `warmupPasses`. A layer that runs more than once
 * per pass (same type and name) counts once per pass with its times summed.
 */
export function ncnnLayerTimings(lines: readonly NcnnLayerLine[], warmupPasses: number): { layers: RunnerLayerTiming[]; passes: number } {
  const all = ncnnLayerPasses(lines);
  if (all.length <= warmupPasses) {
    throw new RunnerOutputFormatError(TOOL, `${all.length} forward passes, none left after ${warmupPasses} warm-up passes`);
  }
  const kept = all.slice(warmupPasses);
  const layers: { name: string; opType: string }[] = [];
  const index = new Map<string, number>();
  for (const l of kept[0]!) {
    if (!index.has(l.name)) {
      index.set(l.name, layers.length);
      layers.push({ name: l.name, opType: l.type });
    }
  }
  const perPass = kept.map((pass) => {
    const row = layers.map(() => 0);
    for (const l of pass) row[index.get(l.name)!]! += l.timeMs;
    return row;
  });
  const times = layerRunTimes(perPass);
  return { layers: layers.map((l, i) => ({ ...l, ...times[i]! })), passes: kept.length };
}
