/** The JSON shapes of suites, nights and regressions (SuiteViewSchema, SuiteNightViewSchema, RegressionViewSchema in @farm/contracts). */
import { SuiteSpecSchema, type RegressionView, type SuiteNightView, type SuiteView } from '@farm/contracts';
import type { NightRow, RegressionRow } from './suites.repository.js';

export function nightView(n: NightRow): SuiteNightView {
  return {
    id: n.id,
    suiteId: n.suiteId,
    nightKey: n.nightKey,
    kind: n.kind,
    trigger: n.trigger,
    parentId: n.parentId,
    status: n.status,
    resolved: n.resolved as SuiteNightView['resolved'],
    runIds: n.runs.map((r) => r.id),
    error: n.error,
    createdAt: n.createdAt.toISOString(),
    evaluatedAt: n.evaluatedAt?.toISOString() ?? null,
  };
}

export function suiteView(
  s: { id: string; name: string; spec: unknown; cron: string | null; timezone: string; createdAt: Date },
  lastNight: NightRow | null,
): SuiteView {
  return {
    id: s.id,
    name: s.name,
    spec: SuiteSpecSchema.parse(s.spec),
    schedule: s.cron ? { cron: s.cron, timezone: s.timezone } : null,
    createdAt: s.createdAt.toISOString(),
    lastNight: lastNight ? nightView(lastNight) : null,
  };
}

export function regressionView(r: RegressionRow, deviceName: string): RegressionView {
  return {
    id: r.id,
    suiteId: r.suiteId,
    suiteName: r.suite.name,
    nightId: r.nightId,
    nightKey: r.night.nightKey,
    modelId: r.modelId,
    deviceId: r.deviceId,
    deviceName,
    framework: r.framework,
    options: r.options,
    direction: r.direction as RegressionView['direction'],
    state: r.state,
    detection: r.detection as RegressionView['detection'],
    confirmation: (r.confirmation ?? null) as RegressionView['confirmation'],
    attribution: (r.attribution ?? null) as RegressionView['attribution'],
    likelyCause: r.likelyCause,
    resultId: r.resultId,
    baselineResultId: r.baselineResultId,
    confirmResultId: r.confirmResultId,
    alertedAt: r.alertedAt?.toISOString() ?? null,
    createdAt: r.createdAt.toISOString(),
  };
}
