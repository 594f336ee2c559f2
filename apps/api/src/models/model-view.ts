/** The JSON shape of a model and its artifacts in API responses (BigInt and storage paths kept out). */
import type { ArtifactRow, ModelWithArtifacts } from './models.repository.js';

export function artifactView(a: ArtifactRow) {
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
    inputs: a.inputs,
    outputs: a.outputs,
    opHistogram: a.opHistogram,
    nodeCount: a.nodeCount,
    parameterCount: Number(a.parameterCount),
    metadata: a.metadata,
    createdAt: a.createdAt.toISOString(),
  };
}

export function modelView(m: ModelWithArtifacts) {
  const version = m.artifacts.reduce((v, a) => Math.max(v, a.version), 0);
  return { id: m.id, name: m.name, slug: m.slug, version, createdAt: m.createdAt.toISOString(), artifacts: m.artifacts.map(artifactView) };
}
export type ModelView = ReturnType<typeof modelView>;
