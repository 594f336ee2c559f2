/**
 * Model upload: detect the format from the bytes, parse inputs/outputs/op histogram, deduplicate
 * by sha256, store the file content-addressed and the rows in one transaction. Any failure
 * before the commit leaves neither a row nor a file no row names; concurrent uploads of the same
 * bytes are serialized on the sha256, so the loser never removes the file the winner committed. An NCNN model is two files: the
 * .param is the artifact (its sha256 is the artifact's) and its .bin, checked against the sizes
 * the .param's layers read, is stored beside it under its own sha256.
 */
import { Injectable } from '@nestjs/common';
import { DomainError, type ModelView, type Page, type PageQuery } from '@farm/contracts';
import { isNcnnParam } from '@farm/model-inspect';
import { ArtifactStore, sha256HexYielding } from './artifact-store.service.js';
import { ModelsRepository } from './models.repository.js';
import { modelView } from './model-view.js';
import { toPage } from '../common/page.js';
import { ModelInspector } from './model-inspector.service.js';

export interface UploadInput {
  bytes: Uint8Array;
  fileName: string;
  /** The second part of a two-file model: an NCNN .bin. */
  weights?: { bytes: Uint8Array; fileName: string };
  name?: string;
  modelId?: string;
  /** Upload to this model handle: a new model (version 1) the first time, a new version of it after. */
  slug?: string;
}

@Injectable()
export class ModelsService {
  constructor(
    private readonly repo: ModelsRepository,
    private readonly store: ArtifactStore,
    private readonly inspector: ModelInspector,
  ) {}

  async upload(input: UploadInput): Promise<{ model: ModelView; artifactId: string; version: number; deduplicated: boolean }> {
    if (input.bytes.length === 0)
      throw new DomainError(
        'MODEL_FORMAT_UNKNOWN',
        'the uploaded file is empty; send an ONNX (.onnx), TensorFlow Lite (.tflite) or NCNN (.param) model in the "file" field',
      );
    const weights = await this.checkWeights(input);
    const sha256 = await sha256HexYielding(input.bytes);
    const existing = await this.repo.findArtifactBySha(sha256);
    if (existing) {
      if (weights && existing.weightsSha256 !== weights.sha256) {
        throw new DomainError(
          'MODEL_INVALID',
          `this .param is already stored (artifact ${existing.id}) with another .bin; an NCNN artifact is identified by its .param, so give the new weights their own .param (e.g. rename a layer)`,
          { artifactId: existing.id, storedWeightsSha256: existing.weightsSha256 },
        );
      }
      // The same bytes again: if the stored file went missing (an emptied ARTIFACT_DIR beside a kept
      // database), this upload puts it back, so agents can fetch the artifact once more.
      await this.store.put(sha256, input.bytes);
      if (weights) await this.store.put(weights.sha256, weights.bytes);
      return { model: modelView(existing.model), artifactId: existing.id, version: existing.version, deduplicated: true };
    }
    if (input.modelId && input.slug)
      throw new DomainError('VALIDATION_FAILED', 'give "modelId" (another file of the same version) or "slug" (a new version), not both');
    if (input.modelId && !(await this.repo.findModel(input.modelId))) {
      throw new DomainError('MODEL_NOT_FOUND', `no model with id "${input.modelId}" to add this artifact to`);
    }
    // In a capped child process: nothing is stored until the bytes have been read within the limits.
    const info = await this.inspector.inspect(input.bytes, weights?.bytes.length);
    const path = this.store.pathFor(sha256);
    try {
      const target = input.modelId
        ? { modelId: input.modelId }
        : input.slug
          ? { slug: input.slug, modelName: input.name ?? input.slug }
          : { modelName: input.name ?? stripExtension(input.fileName) };
      const model = await this.repo.createArtifact(
        target,
        {
          sha256,
          fileName: input.fileName,
          sizeBytes: input.bytes.length,
          storagePath: path,
          info,
          ...(weights ? { weights: { sha256: weights.sha256, sizeBytes: weights.bytes.length } } : {}),
        },
        async () => {
          await this.store.put(sha256, input.bytes);
          if (weights) await this.store.put(weights.sha256, weights.bytes);
        },
      );
      const stored = model.artifacts.find((a) => a.sha256 === sha256)!;
      return { model: modelView(model), artifactId: stored.id, version: stored.version, deduplicated: false };
    } catch (e) {
      // Two concurrent uploads of the same bytes: the loser returns the winner's artifact, and the file stays.
      const raced = await this.repo.findArtifactBySha(sha256);
      if (raced) return { model: modelView(raced.model), artifactId: raced.id, version: raced.version, deduplicated: true };
      await this.repo.forgetUnstored([sha256, ...(weights ? [weights.sha256] : [])], (sha) => this.store.remove(sha));
      throw e;
    }
  }

  /**
   * An NCNN .param needs its .bin and nothing else takes one. Decided from the magic alone, which
   * costs nothing: the .param itself, and the .bin's size against its layers, are read in the
   * inspector child. Returns the weights, or null for a one-file format.
   */
  private async checkWeights(input: UploadInput): Promise<{ bytes: Uint8Array; sha256: string } | null> {
    if (!isNcnnParam(input.bytes)) {
      if (input.weights) throw new DomainError('VALIDATION_FAILED', 'a "weights" part goes only with an NCNN .param; this model is one file');
      return null;
    }
    if (!input.weights || input.weights.bytes.length === 0) {
      throw new DomainError('VALIDATION_FAILED', 'an NCNN .param needs its .bin: send it in a second multipart field named "weights"');
    }
    return { bytes: input.weights.bytes, sha256: await sha256HexYielding(input.weights.bytes) };
  }

  async get(id: string): Promise<ModelView> {
    const m = await this.repo.findModel(id);
    if (!m) throw new DomainError('MODEL_NOT_FOUND', `no model with id "${id}"`);
    return modelView(m);
  }

  async list(page: PageQuery): Promise<Page<ModelView>> {
    return toPage(await this.repo.listModels(page), page, modelView);
  }
}

function stripExtension(fileName: string): string {
  const base = fileName.replace(/^.*[\\/]/, '');
  const dot = base.lastIndexOf('.');
  return (dot > 0 ? base.slice(0, dot) : base) || 'model';
}
