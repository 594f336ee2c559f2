/**
 * Requests for derived artifacts (the int8 QDQ variant of an fp32 ONNX artifact). The API never
 * quantizes: it checks the request (a quantizable source, calibration inputs within
 * MAX_CALIBRATION_MB), reuses a variant that already exists, and otherwise queues a conversion for
 * the worker, which makes it in a capped child process. Callers poll the conversion.
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import { calibrationKey, DomainError, isQuantizedOnnx, type ConversionView, type TensorSpec } from '@farm/contracts';
import { calibrationInputBytes } from '@farm/int8-compiler/calibration-size';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ArtifactStore } from '../models/artifact-store.service.js';
import { ModelsRepository, type ArtifactRow } from '../models/models.repository.js';
import { ConversionQueueProducer } from '../queue/conversion-queue.producer.js';
import { ConversionsRepository, type ConversionRow } from './conversions.repository.js';
import { conversionView } from './conversion-view.js';
import { TensorsRepository } from '../tensors/tensors.repository.js';

export type CalibrationMethod = 'minmax' | 'percentile';

/** The artifacts of a model that can be quantized: original ONNX graphs not already quantized. */
export function isQuantizable(a: Pick<ArtifactRow, 'format' | 'variant' | 'opHistogram'>): boolean {
  return a.format === 'onnx' && a.variant === 'original' && !isQuantizedOnnx(a.opHistogram as Record<string, number>);
}

/** The int8 variant already made from this source with this calibration, if its row exists. */
export function existingVariant(artifacts: readonly ArtifactRow[], sourceId: string, calibration: string): ArtifactRow | undefined {
  return artifacts.find(
    (a) =>
      a.derivedFromId === sourceId &&
      a.variant === 'int8_qdq' &&
      // calibrationKey: method and calibration set (variants made before sets existed carry the method only).
      ((q) => (q?.calibrationKey ?? q?.calibration) === calibration)(
        (a.metadata as { quantization?: { calibration?: string; calibrationKey?: string } }).quantization,
      ),
  );
}

/** What a request got: the conversion, and the variant when it exists already (nothing to wait for). */
export interface PreparedConversion {
  conversion: ConversionRow;
  ready: ArtifactRow | null;
  /** True when the conversion is (again) queued and must be put on the conversion queue. */
  enqueue: boolean;
}

@Injectable()
export class ConversionsService {
  private readonly logger = new Logger(ConversionsService.name);

  constructor(
    private readonly repo: ConversionsRepository,
    private readonly models: ModelsRepository,
    private readonly store: ArtifactStore,
    private readonly producer: ConversionQueueProducer,
    private readonly tensors: TensorsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Refuses, before anything is stored, a source that cannot be quantized or whose calibration would not fit. */
  check(source: ArtifactRow): void {
    if (!isQuantizable(source)) {
      throw new DomainError(
        'VALIDATION_FAILED',
        `artifact ${source.id} is ${source.format}${source.variant !== 'original' ? ` (${source.variant})` : ''}; only an fp32 ONNX artifact can be quantized`,
      );
    }
    const bytes = calibrationInputBytes(source.inputs as unknown as TensorSpec[]);
    if (bytes > this.config.maxCalibrationBytes) {
      const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
      throw new DomainError(
        'CALIBRATION_TOO_LARGE',
        `quantizing artifact ${source.id} would allocate ${mib(bytes)} of calibration inputs (from its declared input shapes), above the limit of ${mib(this.config.maxCalibrationBytes)} (MAX_CALIBRATION_MB)`,
        { calibrationBytes: bytes, limitBytes: this.config.maxCalibrationBytes },
      );
    }
  }

  /**
   * Finds or makes the conversion of `source` with `calibration`, without touching the queue (the
   * caller enqueues once the rows that wait for it are committed). A variant whose file is present
   * is reused; one whose file went missing is made again by the worker, which puts the file back.
   */
  async prepare(
    modelId: string,
    source: ArtifactRow,
    artifacts: readonly ArtifactRow[],
    method: CalibrationMethod,
    calibrationSetId?: string,
  ): Promise<PreparedConversion> {
    this.check(source);
    if (calibrationSetId) await this.checkCalibrationSet(calibrationSetId, source);
    const calibration = calibrationKey(method, calibrationSetId);
    let conversion = await this.repo.findOrCreate({ modelId, sourceId: source.id, kind: 'int8_qdq', calibration });
    const variant = existingVariant(artifacts, source.id, calibration);
    if (variant && (await this.store.has(variant.sha256))) {
      // The row answers the latest request: this one found the variant made already.
      if (!conversion.reused || conversion.artifactId !== variant.id)
        conversion = await this.repo.markReused(conversion.id, variant.id, (variant.metadata as { quantization?: object }).quantization);
      return { conversion, ready: variant, enqueue: false };
    }
    if (conversion.status === 'succeeded' || conversion.status === 'failed')
      conversion = (await this.repo.requeue(conversion.id)) ?? (await this.repo.find(conversion.id))!;
    return { conversion, ready: null, enqueue: conversion.status === 'queued' };
  }

  /** The set must feed one of the source's inputs (its only one unless named) with exactly its declared shape. */
  private async checkCalibrationSet(id: string, source: ArtifactRow): Promise<void> {
    const set = await this.tensors.findCalibrationSet(id);
    if (!set) throw new DomainError('CALIBRATION_SET_NOT_FOUND', `no calibration set with id "${id}"; create one with POST /calibration-sets`);
    const inputs = source.inputs as unknown as TensorSpec[];
    const mismatch = (why: string) => {
      throw new DomainError('CALIBRATION_SET_MISMATCH', `calibration set ${id} cannot calibrate artifact ${source.id}: ${why}`, {
        calibrationSetId: id,
        artifactId: source.id,
      });
    };
    if (!set.inputName && inputs.length !== 1)
      mismatch(`the model has ${inputs.length} inputs; name the one the samples feed ("input" in POST /calibration-sets)`);
    const input = set.inputName ? inputs.find((i) => i.name === set.inputName) : inputs[0];
    if (!input) return mismatch(`the model has no input "${set.inputName}"`);
    if (input.dtype !== 'float32') mismatch(`input "${input.name}" is ${input.dtype}; calibration samples are float32`);
    if (input.shape.join(',') !== set.shape.join(','))
      mismatch(`input "${input.name}" is [${input.shape.join(', ')}], the samples are [${set.shape.join(', ')}]`);
  }

  /** A conversion that did not reach the queue is re-added by the worker's reconciler. */
  async enqueue(c: PreparedConversion): Promise<void> {
    if (!c.enqueue) return;
    try {
      await this.producer.enqueue(c.conversion.id, c.conversion.generation);
    } catch (e) {
      this.logger.warn(`conversion ${c.conversion.id} stored but not queued yet (${(e as Error).message}); the reconciler will queue it`);
    }
  }

  /** POST /models/:id/quantize: the conversion to poll, succeeded at once when the variant exists. */
  async request(modelId: string, artifactId: string | undefined, calibration: CalibrationMethod, calibrationSetId?: string): Promise<ConversionView> {
    const model = await this.models.findModel(modelId);
    if (!model) throw new DomainError('MODEL_NOT_FOUND', `no model with id "${modelId}"`);
    const source = artifactId ? model.artifacts.find((a) => a.id === artifactId) : model.artifacts.find(isQuantizable);
    if (!source) {
      throw new DomainError(
        artifactId ? 'MODEL_NOT_FOUND' : 'VALIDATION_FAILED',
        artifactId ? `artifact ${artifactId} does not belong to model ${modelId}` : `model ${modelId} has no fp32 ONNX artifact to quantize`,
      );
    }
    const prepared = await this.prepare(model.id, source, model.artifacts, calibration, calibrationSetId);
    await this.enqueue(prepared);
    return conversionView(prepared.conversion);
  }

  async get(id: string): Promise<ConversionView> {
    const c = await this.repo.find(id);
    if (!c) throw new DomainError('CONVERSION_NOT_FOUND', `no conversion with id "${id}"`);
    return conversionView(c);
  }
}
