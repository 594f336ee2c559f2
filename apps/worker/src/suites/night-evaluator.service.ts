/**
 * Evaluates a suite night once all its runs have ended. A night: every cell is checked against
 * its baseline (the last K evaluated nights since the cell's last confirmed change) with the
 * detection rule of @farm/stats; suspect cells are stored as suspected and re-run on the same
 * device (a confirmation night). Where only the artifact changed since the baseline, the re-run
 * is paired: the baseline's artifact and tonight's alternate, round by round, and the verdict is
 * their ratio within that session, so the host's speed that night cancels. Otherwise tonight's
 * artifact is re-run and compared with the baseline nights again, and the record says why it was
 * not paired. A confirmation: each suspicion whose re-run agrees (suspect, same direction) is
 * opened, attributed and alerted; one that does not is a false alarm. Nothing is alerted from a
 * single measurement.
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import { SuiteSpecSchema, type Detection, type DetectionSettings } from '@farm/contracts';
import { confirms, detectCellChange, detectPairedChange, median, type CellDetection } from '@farm/stats';
import { APP_CONFIG, type AppConfig } from '@farm/api/config/app-config';
import { SuitesRepository, type CellJobRow, type NightRow } from '@farm/api/suites/suites.repository';
import { SuiteNightsService, type ConfirmationCell } from '@farm/api/suites/suite-nights.service';
import { SuiteQueueProducer } from '@farm/api/queue/suite-queue.producer';
import { cellKey, pairing, recordedEnvironment } from '@farm/api/suites/cells';
import { attribute, keyLayers, type AttributedResult } from '@farm/api/suites/attribution';
import type { Prisma } from '@farm/api/generated/prisma/client';
import { ArtifactStore } from '@farm/api/models/artifact-store.service';
import { onnxSourceGraph } from '@farm/api/compare/alignment/source-graph';
import { alignByName } from '@farm/api/compare/alignment/layer-alignment';
import { readFile } from 'node:fs/promises';
import type { OpClass } from '@farm/contracts';

type MeasuredJob = CellJobRow & { result: NonNullable<CellJobRow['result']> };

/** How many past nights are read to find a cell's baseline (K of them since its last change). */
const HISTORY_NIGHTS = 120;

export interface NightOutcome {
  nightId: string;
  kind: 'night' | 'confirmation';
  cells: number;
  suspects: number;
  confirmed: number;
  falseAlarms: number;
}

@Injectable()
export class NightEvaluator {
  private readonly logger = new Logger(NightEvaluator.name);

  constructor(
    private readonly suites: SuitesRepository,
    private readonly nights: SuiteNightsService,
    private readonly queue: SuiteQueueProducer,
    private readonly store: ArtifactStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async evaluate(nightId: string): Promise<NightOutcome | null> {
    const night = await this.suites.findNight(nightId);
    if (!night || night.status !== 'running') return null;
    const suite = (await this.suites.findSuite(night.suiteId))!;
    const spec = SuiteSpecSchema.parse(suite.spec);
    return night.kind === 'night' ? this.evaluateNight(night, spec.detection) : this.evaluateConfirmation(night, spec.detection, spec.webhooks);
  }

  private async evaluateNight(night: NightRow, settings: DetectionSettings): Promise<NightOutcome> {
    const tonight = measured(await this.suites.cellJobs([night.id]));
    const baselines = await this.baselines(night, settings.baselineNights);
    const suspects: ConfirmationCell[] = [];
    for (const job of tonight) {
      const key = cellKey(job);
      const baseline = baselines.get(key) ?? [];
      const d = detectCellChange(
        job.result.latenciesMs,
        baseline.map((b) => b.result.latenciesMs),
        settings,
      );
      if (!d.suspect) continue;
      const last = baseline[baseline.length - 1]!;
      suspects.push({
        modelId: job.artifact.modelId,
        artifactId: job.artifact.id,
        deviceId: job.deviceId,
        framework: job.framework,
        options: job.options,
        ...(pairing(last, job).paired ? { paired: { baselineArtifactId: last.artifact.id, rounds: settings.pairedRounds } } : {}),
      });
      await this.suites.createRegression({
        suiteId: night.suiteId,
        nightId: night.id,
        cellKey: key,
        modelId: job.artifact.modelId,
        deviceId: job.deviceId,
        framework: job.framework,
        options: job.options as Prisma.InputJsonValue,
        direction: d.direction,
        detection: d as unknown as Prisma.InputJsonValue,
        resultId: job.result.id,
        baselineResultId: last.result.id,
      });
      this.logger.log(
        `night ${night.nightKey}: ${job.device.name} ${job.framework} suspect (${d.reason}); re-running to confirm${suspects[suspects.length - 1]!.paired ? ', paired with the baseline artifact' : ''}`,
      );
    }
    if (!suspects.length) {
      await this.suites.updateNight(night.id, { status: 'evaluated', evaluatedAt: new Date() });
      return { nightId: night.id, kind: 'night', cells: tonight.length, suspects: 0, confirmed: 0, falseAlarms: 0 };
    }
    await this.suites.updateNight(night.id, { status: 'confirming' });
    try {
      await this.nights.startConfirmation(night, suspects);
    } catch (e) {
      // The suspicions stay suspected (never alerted); the night is done.
      this.logger.warn(`night ${night.nightKey}: the confirmation re-run could not start: ${(e as Error).message}`);
      await this.suites.updateNight(night.id, { status: 'evaluated', evaluatedAt: new Date(), error: `confirmation not started: ${(e as Error).message}` });
    }
    return { nightId: night.id, kind: 'night', cells: tonight.length, suspects: suspects.length, confirmed: 0, falseAlarms: 0 };
  }

  private async evaluateConfirmation(night: NightRow, settings: DetectionSettings, suiteHooks: AppConfig['alerts']['webhooks']): Promise<NightOutcome> {
    const parent = (await this.suites.findNight(night.parentId!))!;
    const reruns = new Map<string, MeasuredJob[]>();
    for (const j of measured(await this.suites.cellJobs([night.id]))) (reruns.get(cellKey(j)) ?? reruns.set(cellKey(j), []).get(cellKey(j))!).push(j);
    const original = new Map(measured(await this.suites.cellJobs([parent.id])).map((j) => [cellKey(j), j]));
    const baselines = await this.baselines(parent, settings.baselineNights);
    let confirmed = 0;
    let falseAlarms = 0;
    for (const s of await this.suites.suspectsOf(parent.id)) {
      const tonight = original.get(s.cellKey);
      const baseline = baselines.get(s.cellKey) ?? [];
      const checked = tonight && baseline.length ? confirmation(reruns.get(s.cellKey) ?? [], baseline, tonight, settings) : null;
      if (!tonight || !checked) {
        this.logger.warn(`night ${parent.nightKey}: no confirmation result for a suspect cell; it stays suspected and is not alerted`);
        continue;
      }
      const { detection: conf, rerun } = checked;
      if (!confirms(s.detection as unknown as Detection, conf)) {
        falseAlarms++;
        await this.suites.settleRegression(s.id, {
          state: 'false_alarm',
          confirmation: conf as unknown as Prisma.InputJsonValue,
          confirmResultId: rerun.result.id,
        });
        continue;
      }
      const named = await Promise.all(baseline.map((b) => this.inSourceTerms(b)));
      const attribution = attribute(attributed(named[named.length - 1]!), attributed(await this.inSourceTerms(tonight)), layerNoise(named));
      await this.suites.settleRegression(s.id, {
        state: 'open',
        confirmation: conf as unknown as Prisma.InputJsonValue,
        confirmResultId: rerun.result.id,
        attribution: attribution as unknown as Prisma.InputJsonValue,
        likelyCause: attribution.likelyCause,
      });
      confirmed++;
      this.logger.log(
        `night ${parent.nightKey}: ${tonight.device.name} ${tonight.framework} confirmed ${s.direction}; likely cause: ${attribution.likelyCause}`,
      );
      await this.queue.alert(s.id, [...suiteHooks, ...this.config.alerts.webhooks]);
    }
    const now = new Date();
    await this.suites.updateNight(night.id, { status: 'evaluated', evaluatedAt: now });
    await this.suites.updateNight(parent.id, { status: 'evaluated', evaluatedAt: now });
    return { nightId: night.id, kind: 'confirmation', cells: reruns.size, suspects: 0, confirmed, falseAlarms };
  }

  /**
   * The result's layers named by the ONNX nodes they cover ("c1+relu1" for a fused pair), so the
   * same conv matches across two versions even when the engine names it differently (ORT names a
   * re-laid-out node after its output). Profiler names are kept where the graph cannot be read.
   */
  private async inSourceTerms(j: MeasuredJob): Promise<MeasuredJob> {
    if (j.artifact.format !== 'onnx') return j;
    try {
      const graph = onnxSourceGraph(new Uint8Array(await readFile(this.store.pathFor(j.artifact.sha256))));
      const layers = j.result.layers.map((l, idx) => ({ ...l, idx, opClass: l.opClass as OpClass }));
      const matches = new Map(alignByName(graph, layers).map((m) => [m.idx, m]));
      const renamed = layers.map((l) => ({
        name: matches.get(l.idx)?.sourceNodes.join('+') || l.name,
        opType: l.opType,
        opClass: l.opClass,
        timeMs: l.timeMs,
      }));
      return { ...j, result: { ...j.result, layers: renamed } };
    } catch (e) {
      this.logger.warn(`layers of result ${j.result.id} kept under the profiler's names: ${(e as Error).message}`);
      return j;
    }
  }

  /**
   * Per cell, its baseline nights' jobs, oldest first: the last K evaluated nights before this one
   * and not before the cell's latest confirmed change (the night of a confirmed change is the
   * first night of the new level).
   */
  private async baselines(night: NightRow, k: number): Promise<Map<string, MeasuredJob[]>> {
    const previous = await this.suites.previousNights(night.suiteId, night.createdAt, HISTORY_NIGHTS);
    const changes = await this.suites.changeNights(night.suiteId, night.createdAt);
    const created = new Map(previous.map((n) => [n.id, n.createdAt]));
    const byCell = new Map<string, MeasuredJob[]>();
    for (const j of measured(await this.suites.cellJobs(previous.map((n) => n.id)))) {
      const key = cellKey(j);
      const at = created.get(j.run.nightId!)!;
      const since = changes.get(key);
      if (since && at < since) continue;
      (byCell.get(key) ?? byCell.set(key, []).get(key)!).push(j);
    }
    for (const [key, jobs] of byCell) {
      jobs.sort((a, b) => created.get(a.run.nightId!)!.getTime() - created.get(b.run.nightId!)!.getTime());
      byCell.set(key, jobs.slice(-k));
    }
    return byCell;
  }
}

/**
 * The confirmation of one suspect cell from its re-run jobs: paired rounds when the night paired
 * it (the same rule as when it was queued), else tonight's artifact re-run against the baseline
 * nights. Null when the re-run left nothing to judge (its jobs failed). `rerun` is the result an
 * alert cites: a paired confirmation's first run of tonight's artifact.
 */
function confirmation(
  jobs: MeasuredJob[],
  baseline: MeasuredJob[],
  tonight: MeasuredJob,
  settings: DetectionSettings,
): { detection: CellDetection & { unpairedBecause?: string }; rerun: MeasuredJob } | null {
  const last = baseline[baseline.length - 1]!;
  const how = pairing(last, tonight);
  const byStart = (a: MeasuredJob, b: MeasuredJob) => (a.startedAt?.getTime() ?? 0) - (b.startedAt?.getTime() ?? 0);
  const b = jobs.filter((j) => j.artifact.id === tonight.artifact.id).sort(byStart);
  if (how.paired) {
    // Round i is the i-th run of each artifact, in the order the device ran them; a round whose other half failed is left out.
    const a = jobs.filter((j) => j.artifact.id === last.artifact.id).sort(byStart);
    const rounds = a.slice(0, b.length).map((x, i) => ({ a: x.result.latenciesMs, b: b[i]!.result.latenciesMs }));
    if (!rounds.length) return null;
    return { detection: detectPairedChange(rounds, settings), rerun: b[0]! };
  }
  if (!b.length) return null;
  const detection = detectCellChange(
    b[0]!.result.latenciesMs,
    baseline.map((x) => x.result.latenciesMs),
    settings,
  );
  return { detection: { ...detection, unpairedBecause: how.because, reason: `${detection.reason} (not paired: ${how.because})` }, rerun: b[0]! };
}

function measured(jobs: CellJobRow[]): MeasuredJob[] {
  return jobs.filter((j): j is MeasuredJob => j.result !== null && j.result.latenciesMs.length > 0);
}

function attributed(j: MeasuredJob): AttributedResult {
  return {
    medianMs: j.result.medianMs,
    modelVersion: j.artifact.version,
    frameworkVersion: j.result.frameworkVersion,
    ...recordedEnvironment(j.result.environment),
    temperatureC: j.result.temperatureC,
    cpuFreqMHz: j.result.cpuFreqMHz,
    layers: j.result.layers,
  };
}

/** Each layer's spread (1.4826 MAD) over the baseline nights, by the key attribute() matches layers with; only with 3 nights or more. */
function layerNoise(baseline: MeasuredJob[]): Map<string, number> {
  const out = new Map<string, number>();
  if (baseline.length < 3) return out;
  const series = new Map<string, number[]>();
  for (const j of baseline) for (const { key, layer } of keyLayers(j.result.layers)) (series.get(key) ?? series.set(key, []).get(key)!).push(layer.timeMs);
  for (const [key, xs] of series) {
    if (xs.length < 3) continue;
    const m = median(xs);
    out.set(key, 1.4826 * median(xs.map((x) => Math.abs(x - m))));
  }
  return out;
}
