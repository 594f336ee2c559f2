/**
 * Model upload: detect the format from the bytes, parse inputs/outputs/op histogram, deduplicate
 * by sha256, store the file content-addressed and the rows in one transaction. Any failure
 * before the commit leaves neither a row nor a new file behind.
 */
import { Injectable } from '@nestjs/common';
import { DomainError } from '@farm/contracts';
import { ArtifactStore, sha256HexYielding } from './artifact-store.service.js';
import { ModelsRepository } from './models.repository.js';
import { modelView, type ModelView } from './model-view.js';
import { QuantizationService } from './quantization.service.js';
import { ModelInspector } from './model-inspector.service.js';

export interface UploadInput {
  bytes: Uint8Array;
  fileName: string;
  name?: string;
  modelId?: string;
}

@Injectable()
export class ModelsService {
  constructor(
    private readonly repo: ModelsRepository,
    private readonly store: ArtifactStore,
    private readonly quantizer: QuantizationService,
    private readonly inspector: ModelInspector,
  ) {}

  async upload(input: UploadInput): Promise<{ model: ModelView; artifactId: string; deduplicated: boolean }> {
    if (input.bytes.length === 0)
      throw new DomainError('MODEL_FORMAT_UNKNOWN', 'the uploaded file is empty; send an ONNX (.onnx) or TensorFlow Lite (.tflite) model in the "file" field');
    const sha256 = await sha256HexYielding(input.bytes);
    const existing = await this.repo.findArtifactBySha(sha256);
    if (existing) {
      // The same bytes again: if the stored file went missing (an emptied ARTIFACT_DIR beside a kept
      // database), this upload puts it back, so agents can fetch the artifact once more.
      await this.store.put(sha256, input.bytes);
      return { model: modelView(existing.model), artifactId: existing.id, deduplicated: true };
    }
    if (input.modelId && !(await this.repo.findModel(input.modelId))) {
      throw new DomainError('MODEL_NOT_FOUND', `no model with id "${input.modelId}" to add this artifact to`);
    }
    // In a capped child process: nothing is stored until the bytes have been read within the limits.
    const info = await this.inspector.inspect(input.bytes);
    const { path, created } = await this.store.put(sha256, input.bytes);
    try {
      const model = await this.repo.createArtifact(input.modelId ? { modelId: input.modelId } : { modelName: input.name ?? stripExtension(input.fileName) }, {
        sha256,
        fileName: input.fileName,
        sizeBytes: input.bytes.length,
        storagePath: path,
        info,
      });
      return { model: modelView(model), artifactId: model.artifacts.find((a) => a.sha256 === sha256)!.id, deduplicated: false };
    } catch (e) {
      if (created) await this.store.remove(sha256);
      // Two concurrent uploads of the same bytes: the loser returns the winner's artifact.
      const raced = await this.repo.findArtifactBySha(sha256);
      if (raced) return { model: modelView(raced.model), artifactId: raced.id, deduplicated: true };
      throw e;
    }
  }

  async quantize(modelId: string, artifactId: string | undefined, calibration: 'minmax' | 'percentile') {
    const model = await this.repo.findModel(modelId);
    if (!model) throw new DomainError('MODEL_NOT_FOUND', `no model with id "${modelId}"`);
    const source = artifactId ? model.artifacts.find((a) => a.id === artifactId) : model.artifacts.find(QuantizationService.quantizable);
    if (!source) {
      throw new DomainError(
        artifactId ? 'MODEL_NOT_FOUND' : 'VALIDATION_FAILED',
        artifactId ? `artifact ${artifactId} does not belong to model ${modelId}` : `model ${modelId} has no fp32 ONNX artifact to quantize`,
      );
    }
    const v = await this.quantizer.int8Variant(modelId, source, calibration);
    return { model: await this.get(modelId), artifactId: v.artifact.id, sourceArtifactId: source.id, reused: v.reused, report: v.report };
  }

  async get(id: string): Promise<ModelView> {
    const m = await this.repo.findModel(id);
    if (!m) throw new DomainError('MODEL_NOT_FOUND', `no model with id "${id}"`);
    return modelView(m);
  }

  async list(): Promise<ModelView[]> {
    return (await this.repo.listModels()).map(modelView);
  }
}

function stripExtension(fileName: string): string {
  const base = fileName.replace(/^.*[\\/]/, '');
  const dot = base.lastIndexOf('.');
  return (dot > 0 ? base.slice(0, dot) : base) || 'model';
}
