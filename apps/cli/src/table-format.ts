/**
 * Plain-text tables for the terminal: the framework x device comparison, devices and models.
 * Pure functions of API responses, so they are unit-tested without a server.
 */
import { NOISY_SPREAD } from '@farm/contracts';
import type { CompareCell, CompareResponse, DeviceView, Model, RunJob } from './api-client.js';

/** Marks a device whose timings are emulation (test and demo infrastructure), never phone performance. */
export const EMULATED_MARK = 'EMULATED';
const EMULATED_NOTE = `${EMULATED_MARK}: the device is emulated; its timings are emulation, not the performance of a phone`;

/** "Pixel 8 [EMULATED]" for an emulated device, the name alone otherwise. */
export function deviceLabel(name: string, emulated: boolean): string {
  return emulated ? `${name} [${EMULATED_MARK}]` : name;
}

/** Milliseconds with about three significant digits, never in exponent notation. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const abs = Math.abs(ms);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return ms.toFixed(digits);
}

export function formatPercent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}

/** Left-aligned text columns, right-aligned numeric ones; widths fit the longest cell. */
export function renderTable(headers: string[], rows: string[][], rightAligned: ReadonlySet<number> = new Set()): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export interface CompareTableOptions {
  /** How many op classes to list per cell, largest share first. */
  topOpClasses?: number;
}

/** "0.97x" for a layer sum read as ms, "1.60x shares" when only the proportions are meaningful, "estimated" for Core ML's cost-share estimates. */
function layerSumText(c: CompareCell): string {
  if (c.layerBasis === null) return '-';
  // Estimated times sum to the median by construction: the ratio says nothing, the label says everything.
  if (c.layerBasis === 'estimated') return 'estimated';
  const ratio = c.layerSumRatio === null ? '' : `${c.layerSumRatio.toFixed(2)}x`;
  return c.layerBasis === 'shares' ? `${ratio} shares`.trim() : ratio;
}

/**
 * One row per (framework, device) cell: median with its 95% CI, p90, robust spread (IQR / median,
 * flagged noisy above NOISY_SPREAD), outlier count, layer-sum ratio and the op classes that take
 * the most time; then the pairwise verdicts of each device.
 */
export function formatCompareTable(cmp: CompareResponse, opts: CompareTableOptions = {}): string {
  const topN = opts.topOpClasses ?? 3;
  if (cmp.cells.length === 0) return `No results yet for model "${cmp.modelName}" (${cmp.modelId}).`;
  // Emulated devices never take the fastest mark: their times are emulation on the farm's host.
  const ranked = cmp.cells.some((c) => !c.emulated) ? cmp.cells.filter((c) => !c.emulated) : cmp.cells;
  const best = Math.min(...ranked.map((c) => c.medianMs));
  const noisy = (c: CompareCell) => c.robustSpread > NOISY_SPREAD;
  const cells = [...cmp.cells].sort(
    (a, b) => a.framework.localeCompare(b.framework) || a.deviceName.localeCompare(b.deviceName) || a.format.localeCompare(b.format),
  );
  const rows = cells.map((c) => [
    c.framework,
    deviceLabel(c.deviceName, c.emulated),
    c.format,
    `${formatMs(c.medianMs)} [${formatMs(c.medianCi.lowMs)}, ${formatMs(c.medianCi.highMs)}]${c.medianMs === best && (!c.emulated || ranked === cmp.cells) ? ' *' : '  '}${c.emulated ? ' emulation' : ''}`,
    formatMs(c.p90Ms),
    `${formatPercent(c.robustSpread)}${noisy(c) ? ' !' : '  '}`,
    String(c.outliersLow + c.outliersHigh),
    String(c.runs),
    layerSumText(c),
    topOpClassesText(c.opClasses, topN),
  ]);
  const table = renderTable(
    ['framework', 'device', 'format', 'median ms [95% CI]', 'p90 ms', 'IQR/median', 'outliers', 'runs', 'layer sum', 'top op classes (share of profiled time)'],
    rows,
    new Set([3, 4, 5, 6, 7]),
  );
  const notes = ['* fastest median; [low, high] distribution-free 95% interval of the median; outliers: runs beyond Tukey fences, kept in every figure'];
  if (cmp.cells.some(noisy)) notes.push(`! noisy: IQR/median above ${formatPercent(NOISY_SPREAD)}, small differences are not meaningful`);
  if (cmp.cells.some((c) => c.emulated)) notes.push(EMULATED_NOTE);
  if (cmp.cells.some((c) => c.layerBasis === 'shares'))
    notes.push('shares: the per-layer times do not add up to the median (or the profiler reports proportions); read them as shares only');
  if (cmp.cells.some((c) => c.layerBasis === 'estimated'))
    notes.push("estimated: per-layer times are Core ML's estimated cost shares (MLComputePlan) times the measured median, not measurements");
  const verdicts = formatVerdicts(cmp.pairs, new Set(cmp.devices.filter((d) => d.emulated).map((d) => d.id)));
  return [`Model ${cmp.modelName} (${cmp.modelId})`, table, ...notes, ...(verdicts.length > 0 ? ['', ...verdicts] : [])].join('\n');
}

/** The pairwise verdicts, one line each, grouped by device; those on emulated devices say so. */
export function formatVerdicts(pairs: CompareResponse['pairs'], emulatedDeviceIds: ReadonlySet<string> = new Set()): string[] {
  if (pairs.length === 0) return [];
  const level = Math.round(pairs[0]!.level * 100);
  return [
    `Verdicts (ratio of medians, ${level}% bootstrap interval; "no detectable difference" when it contains 1):`,
    ...pairs.map((p) => `  ${deviceLabel(p.deviceName, emulatedDeviceIds.has(p.deviceId))}: ${p.text}`),
  ];
}

function topOpClassesText(opClasses: CompareCell['opClasses'], n: number): string {
  const top = [...opClasses]
    .filter((o) => o.share > 0)
    .sort((a, b) => b.share - a.share)
    .slice(0, n);
  if (top.length === 0) return 'no layer profile';
  return top.map((o) => `${o.opClass} ${(o.share * 100).toFixed(0)}%`).join(', ');
}

/** "41.5 C"; "thermal nominal" for a device that reports a thermal state instead (iOS); "-" when it reported neither. */
function temperatureText(c: number | null, thermal: DeviceView['lastThermalState'] = null): string {
  const parts = [c === null ? null : `${c.toFixed(1)} C`, thermal === null ? null : `thermal ${thermal}`].filter((x) => x !== null);
  return parts.length ? parts.join(', ') : '-';
}

/** "87% charging, 33.1 C"; "-" without a battery reading. */
function batteryText(b: DeviceView['battery']): string {
  if (!b) return '-';
  const parts = [b.levelPercent === null ? '?%' : `${Math.round(b.levelPercent)}%`];
  if (b.charging !== null) parts.push(b.charging ? 'charging' : 'on battery');
  const text = parts.join(' ');
  return b.temperatureC === null ? text : `${text}, ${b.temperatureC.toFixed(1)} C`;
}

/** What to do about a device that cannot take jobs. */
const STATE_HINTS: Partial<Record<DeviceView['status'], string>> = {
  unauthorized: 'unauthorized: accept the USB debugging prompt on the phone',
  offline: 'offline: not listed by its agent, or the agent is silent',
};

export function formatDevicesTable(devices: DeviceView[]): string {
  if (devices.length === 0) return 'No devices registered yet: start an agent (device-agents/agent) pointed at this API.';
  const rows = devices.map((d) => [
    deviceLabel(d.name, d.emulated),
    d.id,
    d.platform,
    d.soc ?? d.cpuModel ?? '-',
    d.status,
    temperatureText(d.lastTemperatureC, d.lastThermalState),
    batteryText(d.battery),
    d.frameworks.map((f) => `${f.framework} ${f.version}`).join(', ') || '-',
  ]);
  const notes = [...new Set(devices.map((d) => STATE_HINTS[d.status]).filter((h): h is string => !!h))];
  if (devices.some((d) => d.emulated)) notes.push(EMULATED_NOTE);
  return [renderTable(['name', 'id', 'platform', 'soc / cpu', 'state', 'temp', 'battery', 'frameworks'], rows), ...notes].join('\n');
}

const VERDICT_MARK = { runnable: 'yes', not_runnable: 'NO', unknown: '?' } as const;

/**
 * Models with, per artifact, each framework's verdict (yes / NO / ?) and the custom ops found at
 * upload; below the table, why each NO (the op and the engine).
 */
export function formatModelsTable(models: Model[]): string {
  if (models.length === 0) return 'No models yet: upload one with `farm bench <model.onnx|model.tflite>`.';
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const m of models) {
    m.artifacts.forEach((a, i) => {
      const verdicts = (a.verdicts ?? []).map((v) => `${v.framework} ${VERDICT_MARK[v.verdict]}`).join(', ');
      const custom = (a.customOps ?? []).map((c) => `${c.domain}::${c.op}`).join(', ');
      rows.push([i === 0 ? m.name : '', i === 0 ? m.id : '', `${a.format}/${a.variant}`, verdicts || '-', custom || '-', i === 0 ? (m.createdAt ?? '') : '']);
      for (const v of a.verdicts ?? []) {
        if (v.verdict === 'not_runnable')
          notes.push(`${m.name} ${a.format}/${a.variant}: ${v.framework} cannot run it: ${v.reasons.map((r) => r.why).join('; ')}`);
      }
    });
  }
  return [renderTable(['name', 'id', 'artifact', 'runs on (verdict)', 'custom ops', 'created'], rows), ...notes].join('\n');
}

/** One line per failed job: where it ran and the error the agent reported. */
export function formatFailures(jobs: RunJob[]): string[] {
  return jobs
    .filter((j) => j.status === 'failed' || j.status === 'cancelled')
    .map(
      (j) =>
        `${j.framework} on ${deviceLabel(j.device.name, j.device.emulated)} (${j.artifact.format}): ${j.status === 'cancelled' ? 'CANCELLED: job was cancelled' : `${j.error?.code ?? 'UNKNOWN'}: ${j.error?.message ?? 'no message'}${j.error?.hint ? ` (hint: ${j.error.hint})` : ''}`}`,
    );
}

/** Progress-bar status text: the phase of each running job, e.g. "onnxruntime@vm timed 12/50". */
export function describeRunning(jobs: RunJob[]): string {
  const running = jobs.filter((j) => j.status === 'running');
  if (running.length === 0)
    return jobs.some((j) => j.status === 'queued') ? 'waiting for a device' : jobs.some((j) => j.status === 'waiting') ? 'waiting for the int8 variant' : '';
  return running
    .map((j) => `${j.framework}@${j.device.name}${j.progress ? ` ${j.progress.phase} ${j.progress.done}/${j.progress.total}` : ' starting'}`)
    .join('; ');
}
