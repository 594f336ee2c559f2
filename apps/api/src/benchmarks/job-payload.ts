import { BenchmarkJobPayloadSchema, type BenchmarkJobPayload } from '@farm/contracts';
import type { JobRow } from './benchmarks.repository.js';

/** Builds the queue payload from the job row; parsed with the shared schema so the agent gets exactly what it validates. */
type ArtifactForPayload = Pick<
  JobRow['artifact'],
  'id' | 'sha256' | 'format' | 'variant' | 'sizeBytes' | 'weightsSha256' | 'weightsSizeBytes' | 'inputs' | 'outputs'
>;

function artifactRef(a: ArtifactForPayload) {
  return {
    artifactId: a.id,
    sha256: a.sha256,
    format: a.format,
    variant: a.variant,
    sizeBytes: a.sizeBytes,
    ...(a.weightsSha256 ? { weights: { sha256: a.weightsSha256, sizeBytes: a.weightsSizeBytes ?? 0 } } : {}),
    inputs: a.inputs,
    outputs: a.outputs,
  };
}

export function jobPayload(
  job: Pick<JobRow, 'id' | 'runId' | 'deviceId' | 'framework' | 'options'> & { artifact: ArtifactForPayload & { derivedFrom: ArtifactForPayload | null } },
): BenchmarkJobPayload {
  return BenchmarkJobPayloadSchema.parse({
    jobId: job.id,
    runId: job.runId,
    deviceId: job.deviceId,
    framework: job.framework,
    options: job.options,
    model: artifactRef(job.artifact),
    ...(job.artifact.derivedFrom ? { reference: artifactRef(job.artifact.derivedFrom) } : {}),
  });
}
