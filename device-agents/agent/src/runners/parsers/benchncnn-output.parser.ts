/**
 * Parses the output of NCNN's `benchncnn` (Tencent/ncnn benchmark/benchncnn.cpp; everything goes
 * to stderr): the settings header, then one "%20s  min = %7.2f  max = %7.2f  avg = %7.2f" line per
 * model, times in ms. With a -DNCNN_BENCHMARK=ON build the per-layer lines of every forward pass
 * come before each model's line; they are attached to that model, warm-up passes left out.
 */
import type { RunnerLayerTiming } from '@farm/contracts';
import { isNcnnLayerLine, ncnnLayerPasses, ncnnLayerTimings, parseNcnnLayerLines } from './ncnn-layer-timings.parser.js';
import { outputLines, RunnerOutputFormatError, stripLogcatPrefix, toNumber } from './runner-output-format.error.js';

const TOOL = 'benchncnn';

export interface BenchncnnSettings {
  loopCount: number;
  numThreads: number;
  /** 0 = all cores, 1 = little cores only, 2 = big cores only. */
  powersave: number;
  /** -1 = CPU only, otherwise the Vulkan device index. */
  gpuDevice: number;
  /** Whether the tool slept 10 s before each model. */
  coolingDown: boolean;
}

export interface BenchncnnModelResult {
  /** The built-in model's name, or the param= path as given. */
  model: string;
  minMs: number;
  maxMs: number;
  avgMs: number;
  /** From an NCNN_BENCHMARK build only: per-layer medians over the timed passes; null otherwise. */
  layers: { layers: RunnerLayerTiming[]; passes: number } | null;
}

export interface BenchncnnOutput {
  settings: BenchncnnSettings;
  /** Vulkan device lines ("[0 Adreno (TM) 640]  fp16p=1 ..."), empty on CPU-only builds. */
  gpuInfo: string[];
  results: BenchncnnModelResult[];
}

const SETTINGS = {
  loopCount: 'loop_count',
  numThreads: 'num_threads',
  powersave: 'powersave',
  gpuDevice: 'gpu_device',
  coolingDown: 'cooling_down',
} as const;
const SETTING = /^(loop_count|num_threads|powersave|gpu_device|cooling_down) = (-?\d+)\s*$/;
const RESULT = /^\s*(.+?)\s+min =\s*(-?[\d.]+|-?nan|-?inf)\s+max =\s*(-?[\d.]+|-?nan|-?inf)\s+avg =\s*(-?[\d.]+|-?nan|-?inf)/;
const GPU_INFO = /^\[\d+ [^\]]+\]\s/;

/** Throws when a settings line or every result line is missing (e.g. "input tensor shape empty!"). */
export function parseBenchncnnOutput(text: string): BenchncnnOutput {
  const lines = outputLines(text).map(stripLogcatPrefix);
  const seen = new Map<string, number>();
  for (const l of lines) {
    const m = SETTING.exec(l);
    if (m && !seen.has(m[1]!)) seen.set(m[1]!, toNumber(m[2], TOOL, m[1]!));
  }
  const missing = Object.values(SETTINGS).filter((k) => !seen.has(k));
  if (missing.length > 0) throw new RunnerOutputFormatError(TOOL, `no settings header line for ${missing.join(', ')}`, lines);
  const settings: BenchncnnSettings = {
    loopCount: seen.get(SETTINGS.loopCount)!,
    numThreads: seen.get(SETTINGS.numThreads)!,
    powersave: seen.get(SETTINGS.powersave)!,
    gpuDevice: seen.get(SETTINGS.gpuDevice)!,
    coolingDown: seen.get(SETTINGS.coolingDown)! !== 0,
  };

  const results: BenchncnnModelResult[] = [];
  let layerLines: string[] = [];
  for (const line of lines) {
    if (isNcnnLayerLine(line)) {
      layerLines.push(line);
      continue;
    }
    const m = RESULT.exec(line);
    if (!m) continue;
    const num = (s: string | undefined, field: string) => toNumber(s, TOOL, `${m[1]} ${field}`);
    results.push({
      model: m[1]!,
      minMs: num(m[2], 'min'),
      maxMs: num(m[3], 'max'),
      avgMs: num(m[4], 'avg'),
      layers: modelLayers(layerLines, settings.loopCount),
    });
    layerLines = [];
  }
  if (results.length === 0) throw new RunnerOutputFormatError(TOOL, 'no "<model>  min = ..  max = ..  avg = .." result line', lines);
  return { settings, gpuInfo: lines.filter((l) => GPU_INFO.test(l)), results };
}

function modelLayers(lines: string[], loopCount: number): BenchncnnModelResult['layers'] {
  if (lines.length === 0) return null;
  const parsed = parseNcnnLayerLines(lines.join('\n'));
  // Every iteration, warm-up (8, or 10 with Vulkan) or timed, is one forward pass; the timed ones are the last loop_count.
  const passes = ncnnLayerPasses(parsed).length;
  if (passes < loopCount) throw new RunnerOutputFormatError(TOOL, `${passes} per-layer forward passes for a loop count of ${loopCount}`);
  return ncnnLayerTimings(parsed, passes - loopCount);
}
