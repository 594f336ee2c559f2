import { BenchmarkJobPayloadSchema, type BenchmarkJobPayload } from '@farm/contracts';
import type { JobRow } from './benchmarks.repository.js';

/** Builds the queue payload from the job row; parsed with the shared schema so the agent gets exactly what it validates. */
export function jobPayload(job: Pick<JobRow, 'id' | 'runId' | 'deviceId' | 'framework' | 'options' | 'artifact'>): BenchmarkJobPayload {
  return BenchmarkJobPayloadSchema.parse({
    jobId: job.id,
    runId: job.runId,
    deviceId: job.deviceId,
    framework: job.framework,
    options: job.options,
    model: {
      artifactId: job.artifact.id,
      sha256: job.artifact.sha256,
      format: job.artifact.format,
      sizeBytes: job.artifact.sizeBytes,
      inputs: job.artifact.inputs,
      outputs: job.artifact.outputs,
    },
  });
}
