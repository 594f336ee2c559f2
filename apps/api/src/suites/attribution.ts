/**
 * Why a confirmed change happened: the per-layer diff between the baseline result and tonight's
 * (layers matched by the framework's own name and op type, in order), which layers and op classes
 * carry it, and what changed in between (model version, framework, agent, OS, temperature,
 * frequency). The likely cause is the recorded change that the layer diff supports best.
 */
import type { Attribution, EnvironmentChange, LayerDiff } from '@farm/contracts';

export interface AttributedResult {
  medianMs: number;
  modelVersion: number;
  frameworkVersion: string;
  agentVersion: string | null;
  os: string | null;
  temperatureC: number | null;
  cpuFreqMHz: number | null;
  layers: { name: string; opType: string; opClass: string; timeMs: number }[];
}

/** Below this a layer's change is noise whatever its share (the profilers' resolution is ~1 us). */
const MIN_LAYER_DELTA_MS = 0.005;
const TEMPERATURE_STEP_C = 5;
const FREQUENCY_STEP = 0.05;

/** A layer's identity across two results: its name and op type, and which occurrence of that pair it is. */
export function keyLayers<L extends { name: string; opType: string }>(layers: readonly L[]): { key: string; layer: L }[] {
  const seen = new Map<string, number>();
  return layers.map((l) => {
    const base = `${l.name}\u0000${l.opType}`;
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return { key: `${base}\u0000${n}`, layer: l };
  });
}

/**
 * `layerNoiseMs`: per layer key, the layer's own spread over the baseline nights (when there
 * were several); a changed layer is significant when its delta exceeds 3x that spread, or, without
 * it, 10% of its baseline time, and is at least 5% of the whole change.
 */
export function attribute(baseline: AttributedResult, tonight: AttributedResult, layerNoiseMs: ReadonlyMap<string, number> = new Map()): Attribution {
  const before = new Map(keyLayers(baseline.layers).map((k) => [k.key, k.layer]));
  const after = new Map(keyLayers(tonight.layers).map((k) => [k.key, k.layer]));
  const sum = (ls: AttributedResult['layers']) => ls.reduce((s, l) => s + l.timeMs, 0);
  const layerSumDeltaMs = sum(tonight.layers) - sum(baseline.layers);
  const total = Math.abs(layerSumDeltaMs) > 1e-9 ? layerSumDeltaMs : 1e-9;
  const diffs: LayerDiff[] = [];
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const b = before.get(key);
    const a = after.get(key);
    const l = (a ?? b)!;
    const deltaMs = (a?.timeMs ?? 0) - (b?.timeMs ?? 0);
    const status = !b ? 'added' : !a ? 'removed' : Math.abs(deltaMs) < MIN_LAYER_DELTA_MS ? 'same' : 'changed';
    const share = deltaMs / total;
    const noise = layerNoiseMs.get(key);
    const bound = noise !== undefined ? 3 * noise : 0.1 * (b?.timeMs ?? 0);
    const significant = Math.abs(deltaMs) >= MIN_LAYER_DELTA_MS && share >= 0.05 && (status !== 'changed' || Math.abs(deltaMs) > bound);
    diffs.push({
      name: l.name,
      opType: l.opType,
      opClass: l.opClass,
      baselineMs: b?.timeMs ?? null,
      tonightMs: a?.timeMs ?? null,
      deltaMs,
      shareOfChange: share,
      status,
      significant,
    });
  }
  diffs.sort((x, y) => Math.abs(y.deltaMs) - Math.abs(x.deltaMs));
  const byClass = new Map<string, number>();
  for (const d of diffs) byClass.set(d.opClass, (byClass.get(d.opClass) ?? 0) + d.deltaMs);
  const opClasses = [...byClass.entries()]
    .map(([opClass, deltaMs]) => ({ opClass, deltaMs, shareOfChange: deltaMs / total }))
    .sort((x, y) => Math.abs(y.deltaMs) - Math.abs(x.deltaMs));

  const changes = environmentChanges(baseline, tonight);
  const word = layerSumDeltaMs >= 0 ? 'slowdown' : 'speed-up';
  const significant = diffs.filter((d) => d.significant);
  const summary = significant
    .slice(0, 10)
    .map(
      (d) =>
        `${d.name} (${d.opType}${d.status === 'added' ? ', added' : d.status === 'removed' ? ', removed' : ''}): ${signed(d.deltaMs)} ms, ${Math.round(d.shareOfChange * 100)}% of the ${word}`,
    );
  return { layerSumDeltaMs, layers: diffs.slice(0, 50), opClasses, changes, likelyCause: likelyCause(changes, diffs, word), summary };
}

function signed(ms: number): string {
  return `${ms >= 0 ? '+' : ''}${ms.toFixed(3)}`;
}

export function environmentChanges(b: AttributedResult, t: AttributedResult): EnvironmentChange[] {
  const out: EnvironmentChange[] = [];
  if (b.modelVersion !== t.modelVersion) out.push({ what: 'model_version', baseline: b.modelVersion, tonight: t.modelVersion });
  if (b.frameworkVersion !== t.frameworkVersion) out.push({ what: 'framework_version', baseline: b.frameworkVersion, tonight: t.frameworkVersion });
  if (b.agentVersion !== t.agentVersion) out.push({ what: 'agent_version', baseline: b.agentVersion, tonight: t.agentVersion });
  if (b.os !== t.os) out.push({ what: 'os', baseline: b.os, tonight: t.os });
  if (b.temperatureC !== null && t.temperatureC !== null && Math.abs(t.temperatureC - b.temperatureC) >= TEMPERATURE_STEP_C)
    out.push({ what: 'temperature', baseline: b.temperatureC, tonight: t.temperatureC });
  if (b.cpuFreqMHz !== null && t.cpuFreqMHz !== null && Math.abs(t.cpuFreqMHz / b.cpuFreqMHz - 1) >= FREQUENCY_STEP)
    out.push({ what: 'cpu_frequency', baseline: b.cpuFreqMHz, tonight: t.cpuFreqMHz });
  return out;
}

/**
 * The recorded change the layer diff supports best: a new model version whose added or removed
 * layers carry the change; else a framework, agent or OS change; else heat or clock; else none.
 */
function likelyCause(changes: EnvironmentChange[], diffs: LayerDiff[], word: string): string {
  const has = (what: EnvironmentChange['what']) => changes.find((c) => c.what === what);
  const structural = diffs.filter((d) => d.status === 'added' || d.status === 'removed');
  const structuralShare = structural.reduce((s, d) => s + d.shareOfChange, 0);
  const model = has('model_version');
  if (model) {
    const names = structural
      .filter((d) => d.significant)
      .slice(0, 5)
      .map((d) => d.name);
    if (structural.length && structuralShare >= 0.5)
      return `model version ${model.baseline} -> ${model.tonight}: ${structural.length} added/removed layer(s) carry ${Math.round(structuralShare * 100)}% of the ${word}${names.length ? ` (${names.join(', ')})` : ''}`;
    return `model version ${model.baseline} -> ${model.tonight} (layer times changed without new layers carrying most of it)`;
  }
  const fw = has('framework_version');
  if (fw) return `framework version ${fw.baseline} -> ${fw.tonight}`;
  const agent = has('agent_version');
  if (agent) return `agent version ${agent.baseline} -> ${agent.tonight}`;
  const os = has('os');
  if (os) return `OS or firmware ${os.baseline} -> ${os.tonight}`;
  const heat = has('temperature');
  const clock = has('cpu_frequency');
  if (heat || clock)
    return [heat && `device temperature ${heat.baseline} -> ${heat.tonight} C`, clock && `CPU frequency ${clock.baseline} -> ${clock.tonight} MHz`]
      .filter(Boolean)
      .join(', ');
  return 'no recorded change (model, framework, agent, OS, temperature, frequency) between the baseline and tonight';
}
