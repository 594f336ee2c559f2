/** The queue processor: unpack, delegate to the job service, let the queue see failures as they are. */
import type { Job } from '@farm/queue';
import type { DeviceSession } from '../devices/device-session.js';
import type { BenchmarkJobService, JobOutcome } from './benchmark-job.service.js';

export function benchmarkProcessor(service: BenchmarkJobService, session?: DeviceSession) {
  return (job: Job<unknown>, _token?: string, signal?: AbortSignal): Promise<JobOutcome> => service.execute(job, signal, session);
}
