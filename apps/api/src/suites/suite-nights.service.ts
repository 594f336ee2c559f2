/**
 * Starting a suite's night: resolve its models (latest or pinned version) to artifacts, then one
 * benchmark run per model, linked to the night. Used by the API ("run now") and by the worker (the
 * suite's job scheduler, and the confirmation re-run of a night's suspect cells on the same
 * devices). A night key is started at most once (see SuitesRepository.createNight).
 */
import { Injectable, Logger } from '@nestjs/common';
import { BenchmarkOptionsSchema, DomainError, SuiteSpecSchema, type BenchmarkOptions, type BenchmarkRequest, type SuiteSpec } from '@farm/contracts';
import { ModelsRepository } from '../models/models.repository.js';
import { BenchmarksService } from '../benchmarks/benchmarks.service.js';
import { SuitesRepository, type NightRow } from './suites.repository.js';
import type { Prisma } from '../generated/prisma/client.js';

export interface ResolvedModel {
  modelId: string;
  slug: string;
  version: number;
  artifactIds: string[];
}

export interface ConfirmationCell {
  modelId: string;
  artifactId: string;
  deviceId: string;
  framework: string;
  options: unknown;
  /** A paired confirmation: the baseline's artifact, run before tonight's in each of `rounds` rounds. */
  paired?: { baselineArtifactId: string; rounds: number };
}

@Injectable()
export class SuiteNightsService {
  private readonly logger = new Logger(SuiteNightsService.name);

  constructor(
    private readonly suites: SuitesRepository,
    private readonly models: ModelsRepository,
    private readonly benchmarks: BenchmarksService,
  ) {}

  /** The models of a suite as they are now; refuses a slug or pinned version that does not exist. */
  async resolveModels(spec: SuiteSpec): Promise<ResolvedModel[]> {
    const out: ResolvedModel[] = [];
    for (const m of spec.models) {
      const model = await this.models.findModelBySlug(m.slug);
      if (!model) throw new DomainError('MODEL_VERSION_NOT_FOUND', `no model with slug "${m.slug}"; upload one with the "slug" field of POST /models`);
      const originals = model.artifacts.filter((a) => a.variant === 'original');
      const latest = originals.reduce((v, a) => Math.max(v, a.version), 0);
      const version = m.version ?? latest;
      const artifacts = originals.filter((a) => a.version === version);
      if (!artifacts.length)
        throw new DomainError('MODEL_VERSION_NOT_FOUND', `model "${m.slug}" has no version ${version} (latest: ${latest})`, { slug: m.slug, latest });
      out.push({ modelId: model.id, slug: m.slug, version, artifactIds: artifacts.map((a) => a.id) });
    }
    return out;
  }

  /**
   * Starts the night `nightKey` of a suite, or returns null when that night exists already.
   * A night whose runs cannot be created (no device, a model gone) is kept, failed, with the reason.
   */
  async startNight(suiteId: string, nightKey: string, trigger: string): Promise<NightRow | null> {
    const suite = await this.suites.findSuite(suiteId);
    if (!suite) throw new DomainError('SUITE_NOT_FOUND', `no suite with id "${suiteId}"`);
    const spec = SuiteSpecSchema.parse(suite.spec);
    const night = await this.suites.createNight({ suiteId, nightKey, kind: 'night', trigger });
    if (!night) return null;
    try {
      const resolved = await this.resolveModels(spec);
      await this.suites.updateNight(night.id, { resolved: resolved as unknown as Prisma.InputJsonValue });
      for (const m of resolved) {
        const req: BenchmarkRequest = {
          modelId: m.modelId,
          artifactIds: m.artifactIds,
          targets: spec.targets,
          ...(spec.frameworks ? { frameworks: spec.frameworks } : {}),
          ...(spec.options || spec.inputs ? { options: withSuiteInputs(spec.options, spec.inputs) } : {}),
        };
        await this.benchmarks.create(req, { nightId: night.id });
      }
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.logger.warn(`suite ${suite.name} night ${nightKey} failed to start: ${message}`);
      await this.suites.updateNight(night.id, { status: 'failed', error: message, evaluatedAt: new Date() });
      throw e;
    }
    return this.suites.findNight(night.id);
  }

  /**
   * Re-runs a night's suspect cells, each on the device and artifact it was measured on. A paired
   * cell queues A (the baseline's artifact), B (tonight's), A, B, ... at once: the device's queue
   * runs one job at a time in order, so the rounds run back to back in one session.
   */
  async startConfirmation(parent: NightRow, cells: ConfirmationCell[]): Promise<NightRow | null> {
    const night = await this.suites.createNight({
      suiteId: parent.suiteId,
      nightKey: `${parent.nightKey}.confirm`,
      kind: 'confirmation',
      trigger: 'confirmation',
      parentId: parent.id,
    });
    if (!night) return null;
    try {
      for (const c of cells) {
        const order = c.paired ? Array.from({ length: c.paired.rounds }, () => [c.paired!.baselineArtifactId, c.artifactId]).flat() : [c.artifactId];
        for (const artifactId of order)
          await this.benchmarks.create(
            {
              modelId: c.modelId,
              artifactIds: [artifactId],
              targets: { deviceIds: [c.deviceId] },
              frameworks: [c.framework as never],
              options: c.options as never,
            },
            { nightId: night.id },
          );
      }
    } catch (e) {
      await this.suites.updateNight(night.id, { status: 'failed', error: e instanceof Error ? e.message : String(e), evaluatedAt: new Date() });
      throw e;
    }
    return this.suites.findNight(night.id);
  }
}

/** A suite's input specs go into every option set; an option set's own entry for the same input wins. */
export function withSuiteInputs(options: SuiteSpec['options'], inputs: SuiteSpec['inputs']): NonNullable<BenchmarkRequest['options']> {
  const sets = options ?? BenchmarkOptionsSchema.parse({});
  if (!inputs) return sets;
  const merge = (o: BenchmarkOptions): BenchmarkOptions => ({ ...o, inputs: { ...inputs, ...o.inputs } });
  return Array.isArray(sets) ? sets.map(merge) : merge(sets);
}
