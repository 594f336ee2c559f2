/**
 * Produces the int8 variant of an fp32 ONNX artifact with the project's post-training quantizer
 * (per-channel symmetric int8 weights, per-tensor activations, min-max or percentile
 * calibration), stored as a derived artifact so fp32 and int8 can be benchmarked side by side.
 * A variant already made with the same calibration is reused.
 */
import { Injectable, Logger } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
import { DomainError, isQuantizedOnnx } from '@farm/contracts';
import { inspectModel } from '@farm/model-inspect';
import { quantizeOnnx, type CalibrationMethod } from '@farm/int8-compiler';
import { ArtifactStore, sha256Hex } from './artifact-store.service.js';
import { ModelsRepository, type ArtifactRow } from './models.repository.js';

export interface QuantizedVariant {
  artifact: ArtifactRow;
  reused: boolean;
  report: unknown;
}

@Injectable()
export class QuantizationService {
  private readonly logger = new Logger(QuantizationService.name);

  constructor(
    private readonly repo: ModelsRepository,
    private readonly store: ArtifactStore,
  ) {}

  /** The artifacts of a model that can be quantized: original ONNX graphs not already quantized. */
  static quantizable(a: Pick<ArtifactRow, 'format' | 'variant' | 'opHistogram'>): boolean {
    return a.format === 'onnx' && a.variant === 'original' && !isQuantizedOnnx(a.opHistogram as Record<string, number>);
  }

  async int8Variant(modelId: string, source: ArtifactRow, calibration: CalibrationMethod): Promise<QuantizedVariant> {
    if (!QuantizationService.quantizable(source)) {
      throw new DomainError(
        'VALIDATION_FAILED',
        `artifact ${source.id} is ${source.format}${source.variant !== 'original' ? ` (${source.variant})` : ''}; only an fp32 ONNX artifact can be quantized`,
      );
    }
    const model = await this.repo.findModel(modelId);
    const existing = model?.artifacts.find(
      (a) =>
        a.derivedFromId === source.id &&
        a.variant === 'int8_qdq' &&
        (a.metadata as { quantization?: { calibration?: string } }).quantization?.calibration === calibration,
    );
    const reuse = (a: ArtifactRow): QuantizedVariant => ({ artifact: a, reused: true, report: (a.metadata as { quantization?: unknown }).quantization });
    if (existing && (await this.store.has(existing.sha256))) return reuse(existing);
    if (!(await this.store.has(source.sha256))) {
      throw new DomainError(
        'ARTIFACT_NOT_FOUND',
        `the file of artifact ${source.id} is missing from the API's artifact store; upload the same model file again to restore it, then quantize`,
      );
    }

    const t0 = performance.now();
    let result;
    try {
      result = await quantizeOnnx(new Uint8Array(await readFile(this.store.pathFor(source.sha256))), { calibration });
    } catch (e) {
      if (e instanceof DomainError) throw e;
      throw new DomainError('MODEL_INVALID', `the quantizer could not process artifact ${source.id}: ${(e as Error).message}`);
    }
    const bytes = result.model;
    const sha256 = sha256Hex(bytes);
    if (existing) {
      // The variant's row outlived its file. Quantization is deterministic for one source and
      // calibration, so the same bytes come back and are stored again under the same sha256.
      if (sha256 !== existing.sha256) {
        throw new DomainError(
          'ARTIFACT_NOT_FOUND',
          `the file of int8 variant ${existing.id} is missing, and quantizing again gave different bytes (sha256 ${sha256}, recorded ${existing.sha256}); its results cannot be re-run on the same model`,
        );
      }
      await this.store.put(sha256, bytes);
      this.logger.log(`restored the missing file of int8 variant ${existing.id} (${calibration})`);
      return reuse(existing);
    }
    const info = inspectModel(bytes);
    const { path, created } = await this.store.put(sha256, bytes);
    try {
      const updated = await this.repo.createArtifact(
        { modelId },
        {
          sha256,
          fileName: source.fileName.replace(/\.onnx$/i, '') + `.int8-${calibration}.onnx`,
          sizeBytes: bytes.length,
          storagePath: path,
          info,
          variant: 'int8_qdq',
          derivedFromId: source.id,
          metadata: { quantization: result.report },
        },
      );
      this.logger.log(`quantized artifact ${source.id} (${calibration}) in ${Math.round(performance.now() - t0)} ms`);
      return { artifact: updated.artifacts.find((a) => a.sha256 === sha256)!, reused: false, report: result.report };
    } catch (e) {
      if (created) await this.store.remove(sha256);
      const raced = await this.repo.findArtifactBySha(sha256);
      if (raced) return { artifact: raced, reused: true, report: result.report };
      throw e;
    }
  }
}
