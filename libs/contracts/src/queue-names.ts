/**
 * Names of the queues whose name is fixed at build time. Per-device benchmark queues are named at
 * run time by deviceQueueName() (job.schema.ts), so they are not listed here.
 */
export enum QueueName {
  /** Farm housekeeping owned by the worker (reconciling queued jobs); scheduled, one schedule per farm. */
  Maintenance = 'maintenance',
  /** Untrusted model work (quantization): the API adds, the worker runs each job in a capped child process. */
  Conversion = 'conversion',
  /** Nightly suites: scheduled night starts, evaluations, alerts. The worker owns the schedulers and runs every job. */
  Suites = 'suites',
}
