/**
 * Why a job is not running, in words a person can act on: derived from the job's row, its
 * device's effective status and its place among the jobs for that device. Pure, so GET
 * /benchmarks/:id and GET /jobs/attention say the same thing.
 */
import { isTargetableStatus, type DeviceStatus, type JobStatus, type JobWait } from '@farm/contracts';

export interface WaitInput {
  status: JobStatus;
  errorCode: string | null;
  errorMessage: string | null;
  conversionId: string | null;
  device: { name: string; lastHeartbeatAt: Date };
  deviceStatus: DeviceStatus;
  /** Jobs ahead on the device (running, or queued before this one); null when not counted. */
  ahead: number | null;
}

export function jobWait(j: WaitInput, abandonAfterMs: number): JobWait | null {
  const base = { deviceStatus: j.deviceStatus };
  if (j.status === 'waiting') {
    return { ...base, reason: 'conversion', queuePosition: null, message: `waiting for conversion ${j.conversionId} to make the int8 variant it runs on` };
  }
  if (j.status !== 'queued' && j.status !== 'running') return null;
  if (!isTargetableStatus(j.deviceStatus)) {
    const since = j.device.lastHeartbeatAt.toISOString();
    return {
      ...base,
      reason: 'device_offline',
      queuePosition: null,
      message: `device ${j.device.name} is ${j.deviceStatus} (last heartbeat ${since}); the job ${j.status === 'running' ? 'cannot report' : 'runs when it is back'}, and is failed as DEVICE_ABANDONED if the device stays silent for ${Math.round(abandonAfterMs / 60_000)} min`,
    };
  }
  if (j.status === 'running') return null;
  if (j.errorCode) {
    return {
      ...base,
      reason: 'retry',
      queuePosition: j.ahead,
      message: `a previous attempt failed (${j.errorCode}: ${j.errorMessage ?? ''}); queued to run again`,
    };
  }
  return {
    ...base,
    reason: 'queue',
    queuePosition: j.ahead,
    message: j.ahead === null ? `queued on ${j.device.name}` : j.ahead === 0 ? `next on ${j.device.name}` : `${j.ahead} job(s) ahead of it on ${j.device.name}`,
  };
}
