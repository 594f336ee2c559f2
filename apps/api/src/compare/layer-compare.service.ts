/**
 * GET /compare/layers: one model's latest results, either every framework on one device or one
 * framework across devices, aligned layer by layer on the model's source graph. Alignments are
 * computed the first time a result is compared and stored (layer_alignments); the source graphs
 * are parsed from the stored artifacts and kept in memory for a few models.
 */
import { readFile } from 'node:fs/promises';
import { Injectable } from '@nestjs/common';
import { DomainError, type LayerBasis, type LayerCompareColumn, type LayerCompareResponse } from '@farm/contracts';
import { ArtifactStore } from '../models/artifact-store.service.js';
import { ModelsRepository, type ArtifactRow } from '../models/models.repository.js';
import { ResultsRepository, type ResultRow } from '../results/results.repository.js';
import { robustStats, storedLayerSum } from '../results/stored-stats.js';
import { resultEmulated } from '../results/result-view.js';
import { frameworkLabel, opClassBreakdown } from './compare.service.js';
import { crossDevicePairs, pairVerdicts } from './pair-verdicts.js';
import { LayerAlignmentRepository } from './layer-alignment.repository.js';
import { alignByName, alignTfliteOnOnnx, alignTfliteOnTflite, LOW_CONFIDENCE, type LayerMatch, type ProfiledLayer } from './alignment/layer-alignment.js';
import { coverage, type AlignedColumn } from './alignment/aligned-rows.js';
import { comparedRows } from './layer-deltas.js';
import { onnxSourceGraph, tfliteSourceGraph, type SourceGraph } from './alignment/source-graph.js';

export type LayerScope = { deviceId: string } | { framework: string };

/** Parsed graphs kept per artifact sha256; a handful of models is what a dashboard session touches. */
const GRAPH_CACHE_MAX = 16;

export interface AlignedResult {
  result: ResultRow;
  column: AlignedColumn;
}

@Injectable()
export class LayerCompareService {
  private readonly graphs = new Map<string, SourceGraph>();

  constructor(
    private readonly models: ModelsRepository,
    private readonly results: ResultsRepository,
    private readonly alignments: LayerAlignmentRepository,
    private readonly store: ArtifactStore,
  ) {}

  private async graph(a: Pick<ArtifactRow, 'sha256' | 'format'>): Promise<SourceGraph> {
    const hit = this.graphs.get(a.sha256);
    if (hit) return hit;
    const bytes = new Uint8Array(await readFile(this.store.pathFor(a.sha256)));
    const g = a.format === 'tflite' ? tfliteSourceGraph(bytes) : onnxSourceGraph(bytes);
    this.graphs.set(a.sha256, g);
    while (this.graphs.size > GRAPH_CACHE_MAX) this.graphs.delete(this.graphs.keys().next().value!);
    return g;
  }

  /** The model's source graph: its first original ONNX artifact, else its first original TFLite one. */
  async source(modelId: string) {
    const model = await this.models.findModel(modelId);
    if (!model) throw new DomainError('MODEL_NOT_FOUND', `no model with id "${modelId}"; list models with GET /models`);
    const originals = model.artifacts.filter((a) => a.variant === 'original');
    const artifact = originals.find((a) => a.format === 'onnx') ?? originals.find((a) => a.format === 'tflite');
    if (!artifact) {
      throw new DomainError('VALIDATION_FAILED', `model "${model.name}" has no ONNX or TFLite artifact to align layers on; upload one with POST /models`);
    }
    return { model, artifact, graph: await this.graph(artifact) };
  }

  private async align(source: { artifact: ArtifactRow; graph: SourceGraph }, r: ResultRow, layers: ProfiledLayer[]): Promise<LayerMatch[]> {
    const a = r.job.artifact;
    if (a.format === 'tflite') {
      if (source.graph.format === 'onnx') return alignTfliteOnOnnx(await this.graph(a), source.graph, layers);
      if (a.id === source.artifact.id) return alignTfliteOnTflite(source.graph, layers);
      return alignTfliteOnTflite(await this.graph(a), layers);
    }
    // ONNX (fp32 or its int8 QDQ variant, whose node names the quantizer kept) and NCNN (onnx2ncnn keeps names).
    return alignByName(source.graph, layers);
  }

  /** The latest results in scope, each with its stored (or now computed and stored) alignment. */
  async aligned(modelId: string, scope: LayerScope | null) {
    const source = await this.source(modelId);
    const all = await this.results.latestForModel(modelId);
    const rows = all.filter((r) =>
      scope === null
        ? true
        : 'deviceId' in scope
          ? r.job.device.id === scope.deviceId
          : frameworkLabel(r.framework, r.job.artifact.variant) === scope.framework,
    );
    const stored = await this.alignments.find(
      source.artifact.id,
      rows.map((r) => r.id),
    );
    const out: AlignedResult[] = [];
    for (const r of rows) {
      const layers: ProfiledLayer[] = r.layers.map((l) => ({
        idx: l.idx,
        name: l.name,
        opType: l.opType,
        opClass: l.opClass as ProfiledLayer['opClass'],
        timeMs: l.timeMs,
        samplesMs: l.samplesMs,
      }));
      let matches = stored.get(r.id);
      if (!matches || matches.length !== layers.length) {
        matches = await this.align(source, r, layers);
        await this.alignments.save(r.id, source.artifact.id, matches);
      }
      out.push({ result: r, column: { key: r.jobId, layerBasis: storedLayerSum(r).layerBasis as LayerBasis | null, layers, matches } });
    }
    return { ...source, results: out };
  }

  async layers(modelId: string, scope: LayerScope): Promise<LayerCompareResponse> {
    const { model, artifact, graph, results } = await this.aligned(modelId, scope);
    if (results.length === 0) {
      const where = 'deviceId' in scope ? `on device ${scope.deviceId}` : `under framework "${scope.framework}"`;
      throw new DomainError('RESULT_NOT_FOUND', `model "${model.name}" has no results ${where}; see GET /compare?modelId=${modelId} for what was measured`);
    }
    // Same order as /compare's columns: by device, then framework label.
    results.sort(
      (a, b) =>
        a.result.job.device.name.localeCompare(b.result.job.device.name) ||
        frameworkLabel(a.result.framework, a.result.job.artifact.variant).localeCompare(frameworkLabel(b.result.framework, b.result.job.artifact.variant)),
    );
    const columns: LayerCompareColumn[] = results.map(({ result: r, column }) => {
      const cov = coverage(column);
      const layerSum = storedLayerSum(r);
      const agreement = r.agreement as { cosine: number; maxAbsError: number; meanAbsError: number; referenceFramework: string } | null;
      return {
        key: column.key,
        deviceId: r.job.device.id,
        deviceName: r.job.device.name,
        emulated: resultEmulated(r),
        framework: frameworkLabel(r.framework, r.job.artifact.variant),
        artifactId: r.job.artifact.id,
        format: r.job.artifact.format,
        variant: r.job.artifact.variant,
        medianMs: r.medianMs,
        medianCi: robustStats(r).medianCi,
        loadMs: r.loadMs,
        firstInferenceMs: r.firstInferenceMs,
        layerBasis: layerSum.layerBasis,
        layerNote: layerSum.layerNote,
        profiledMs: cov.profiledMs,
        profiledLayers: column.layers.length,
        matchedShare: cov.matchedShare,
        lowConfidenceShare: cov.lowConfidenceShare,
        agreement: agreement
          ? {
              cosine: agreement.cosine,
              maxAbsError: agreement.maxAbsError,
              meanAbsError: agreement.meanAbsError,
              referenceFramework: agreement.referenceFramework,
            }
          : null,
      };
    });
    const unmatched: LayerCompareResponse['unmatched'] = {};
    for (const { column } of results) {
      const cov = coverage(column);
      unmatched[column.key] = cov.unmatched.map((l) => ({
        name: l.name,
        opType: l.opType,
        share: cov.profiledMs > 0 ? l.timeMs / cov.profiledMs : 0,
        timeMs: column.layerBasis === 'ms' ? l.timeMs : null,
      }));
    }
    const classes = new Map<string, LayerCompareResponse['opClasses'][number]>();
    for (const { result: r, column } of results) {
      for (const c of opClassBreakdown(r.layers, column.layerBasis)) {
        const entry = classes.get(c.opClass) ?? { opClass: c.opClass, cells: {} };
        entry.cells[column.key] = { share: c.share, timeMs: c.timeMs };
        classes.set(c.opClass, entry);
      }
    }
    const pairCells = results.map(({ result: r }) => ({
      deviceId: r.job.device.id,
      deviceName: r.job.device.name,
      emulated: resultEmulated(r),
      framework: frameworkLabel(r.framework, r.job.artifact.variant),
      artifactId: r.job.artifact.id,
      jobId: r.jobId,
      medianMs: r.medianMs,
      latenciesMs: r.latenciesMs,
    }));
    const pairs = pairVerdicts(pairCells);
    return {
      modelId: model.id,
      modelName: model.name,
      scope:
        'deviceId' in scope
          ? { kind: 'device', deviceId: scope.deviceId, deviceName: results[0]!.result.job.device.name }
          : { kind: 'framework', framework: scope.framework },
      source: { artifactId: artifact.id, format: artifact.format, fileName: artifact.fileName, nodes: graph.nodes.length },
      lowConfidenceBelow: LOW_CONFIDENCE,
      columns,
      rows: comparedRows(
        graph,
        results.map((x) => x.column),
      ),
      unmatched,
      opClasses: [...classes.values()].sort(
        (a, b) => Math.max(...Object.values(b.cells).map((c) => c.share)) - Math.max(...Object.values(a.cells).map((c) => c.share)),
      ),
      pairs,
      devicePairs: 'framework' in scope ? crossDevicePairs(scope.framework, pairCells) : [],
    };
  }
}
