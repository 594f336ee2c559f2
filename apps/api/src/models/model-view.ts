/** A model and its artifacts as the API shows them (ModelViewSchema in @farm/contracts; BigInt and storage paths kept out). */
import { isQuantizedOnnx, type ArtifactView, type FrameworkVerdict, type ModelView, type TensorSpec } from '@farm/contracts';
import { frameworkVerdicts, type CustomOp } from '@farm/model-inspect';
import type { ArtifactRow, ModelWithArtifacts } from './models.repository.js';

/** Per framework that reads the artifact: runnable, not runnable and why, or unknown (from the stored inspection). */
export function artifactVerdicts(a: Pick<ArtifactRow, 'format' | 'opHistogram' | 'metadata' | 'inputs'>): FrameworkVerdict[] {
  const meta = (a.metadata ?? {}) as { customOps?: CustomOp[]; opset?: number | null };
  const histogram = (a.opHistogram ?? {}) as Record<string, number>;
  return frameworkVerdicts({
    format: a.format,
    opHistogram: histogram,
    customOps: meta.customOps,
    opset: meta.opset ?? null,
    quantized: a.format === 'onnx' && isQuantizedOnnx(histogram),
    inputs: a.inputs as unknown as TensorSpec[],
  });
}

export function artifactView(a: ArtifactRow): ArtifactView {
  return {
    id: a.id,
    sha256: a.sha256,
    format: a.format,
    variant: a.variant,
    version: a.version,
    derivedFromId: a.derivedFromId,
    fileName: a.fileName,
    sizeBytes: a.sizeBytes,
    weights: a.weightsSha256 ? { sha256: a.weightsSha256, sizeBytes: a.weightsSizeBytes ?? 0 } : null,
    inputs: a.inputs as unknown as TensorSpec[],
    outputs: a.outputs as unknown as TensorSpec[],
    opHistogram: a.opHistogram as Record<string, number>,
    nodeCount: a.nodeCount,
    parameterCount: Number(a.parameterCount),
    metadata: a.metadata as Record<string, unknown>,
    /** Custom and non-standard ops found at upload (TFLite custom codes, ONNX ops outside ai.onnx and ai.onnx.ml). */
    customOps: ((a.metadata ?? {}) as { customOps?: CustomOp[] }).customOps ?? null,
    verdicts: artifactVerdicts(a),
    createdAt: a.createdAt.toISOString(),
  };
}

export function modelView(m: ModelWithArtifacts): ModelView {
  const version = m.artifacts.reduce((v, a) => Math.max(v, a.version), 0);
  return { id: m.id, name: m.name, slug: m.slug, version, createdAt: m.createdAt.toISOString(), artifacts: m.artifacts.map(artifactView) };
}
