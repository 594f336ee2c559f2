/**
 * One benchmark on a phone: a workspace on the device, the cooldown gate, the device's state
 * before, the runner through the device's transport (bounded by the job's deadline, abort signal
 * and big-core pinning), the state after, and the workspace removed whatever happened. The runner
 * is the same engine adapter the desktop uses; only its binary is the phone's.
 *
 * Unlike desktop jobs there is no runner-host process here: the engine runs on the phone, and what
 * the agent does meanwhile (push, wait, parse) cannot crash with the engine.
 */
import type { DeviceRunEnvironment, Environment, RunnerOutput, DeviceSnapshot } from '@farm/contracts';
import { AGENT_VERSION } from '../agent-config.js';
import { RunnerError, type FirstOutput, type Runner, type RunRequest } from '../runners/runner.js';
import { BoundedTransport } from '../transports/bounded.transport.js';
import type { DeviceDescription, Transport } from '../transports/transport.js';
import { bigCoreList } from './big-cores.js';
import { cooldownGate, type CooldownSettings, type GateClock } from './cooldown-gate.js';

export interface PhoneTarget {
  transport: Transport;
  description: DeviceDescription;
}

export interface PhoneJobSettings {
  cooldown: CooldownSettings;
  /** Pin the runner to the fastest cluster (enough cores for the threads asked for). */
  bigCores: boolean;
  /** Whole-job limit on the device, cooldown wait not included. */
  timeoutMs: number;
}

export interface PhoneJobRequest extends Pick<RunRequest, 'modelPath' | 'weightsPath' | 'inputs' | 'outputs' | 'options' | 'inputFiles' | 'onProgress'> {
  jobId: string;
  /** Compares the first outputs with the fp32 reference (int8 variants); runs on the agent host. */
  agreement?: (output: RunnerOutput, firstOutputs: FirstOutput[] | undefined) => Promise<void>;
}

export interface PhoneJobHooks {
  signal?: AbortSignal;
  /** The device is waiting in the cooldown gate (true) or no longer (false). */
  onCooling?: (cooling: boolean) => void;
  /** Every state reading, so the agent can report the device's latest temperature and battery. */
  onSnapshot?: (snapshot: DeviceSnapshot) => void;
  clock?: GateClock;
}

export async function runOnPhone(
  target: PhoneTarget,
  runner: Runner,
  req: PhoneJobRequest,
  settings: PhoneJobSettings,
  hooks: PhoneJobHooks = {},
): Promise<{ output: RunnerOutput; environment: Environment }> {
  const { transport, description } = target;
  const serial = description.serial;
  const read = async () => {
    const s = await transport.snapshot(serial);
    hooks.onSnapshot?.(s);
    return s;
  };
  const gate = await cooldownGate(read, settings.cooldown, { clock: hooks.clock, signal: hooks.signal, onWaiting: hooks.onCooling });
  if (hooks.signal?.aborted) throw RunnerError.failed('benchmark cancelled', { cancelled: true });
  if (gate.cooldown.timedOut) {
    // Throttled numbers would be wrong numbers: this attempt fails and the queue retries it later.
    throw RunnerError.failed(
      `${description.name} stayed at ${gate.cooldown.endTemperatureC} °C, above the cooldown threshold of ${settings.cooldown.thresholdC} °C, ` +
        `for ${Math.round(gate.cooldown.waitedMs / 1000)} s; the job will be retried (COOLDOWN_MAX_C and COOLDOWN_TIMEOUT_MS set the gate)`,
      { cooldown: gate.cooldown },
    );
  }
  const before = gate.snapshot;
  const cpus = settings.bigCores ? bigCoreList(description.coreMaxFreqMHz, req.options.threads) : null;

  const workspace = await transport.prepare(serial, `job-${req.jobId}`);
  try {
    const bounded = new BoundedTransport(transport, {
      deadline: Date.now() + settings.timeoutMs,
      ...(hooks.signal ? { signal: hooks.signal } : {}),
      ...(cpus ? { cpus } : {}),
    });
    const device = { transport: bounded, workspace };
    let firstOutputs: FirstOutput[] | undefined;
    let output: RunnerOutput;
    try {
      output = await runner.run({
        device,
        modelPath: req.modelPath,
        ...(req.weightsPath ? { weightsPath: req.weightsPath } : {}),
        inputs: req.inputs,
        outputs: req.outputs,
        options: req.options,
        ...(req.inputFiles ? { inputFiles: req.inputFiles } : {}),
        onProgress: req.onProgress,
        ...(req.agreement ? { onFirstOutputs: (o: FirstOutput[]) => (firstOutputs = o) } : {}),
      });
    } catch (err) {
      // A timeout or an abort has already killed the program on the device (the transport does it by pid).
      if (hooks.signal?.aborted) throw RunnerError.failed('benchmark cancelled', { cancelled: true });
      throw err;
    }
    const after = await read();
    if (req.agreement) await req.agreement(output, firstOutputs);
    if (cpus) output.notes.push(`pinned to the big cores (CPU ${cpus}) of ${description.name}`);
    const deviceEnv: DeviceRunEnvironment = { emulated: description.emulated === true, before, after, cooldown: gate.cooldown };
    if (deviceEnv.emulated) output.notes.push('emulated device: these timings are emulation on the agent host, not phone performance');
    return { output, environment: phoneEnvironment(description, before, cpus, deviceEnv) };
  } finally {
    // A device unplugged mid-job cannot be cleaned now; reclaim() does it when it returns.
    await transport.cleanup(workspace).catch(() => undefined);
  }
}

function phoneEnvironment(d: DeviceDescription, before: DeviceSnapshot, cpus: string | null, device: DeviceRunEnvironment): Environment {
  const freqs = before.cores.map((c) => c.curFreqMHz).filter((f): f is number => f !== null);
  return {
    os: d.platform === 'ios' ? 'iOS' : 'Android',
    osRelease: d.osVersion,
    arch: d.abi.split(',')[0] ?? d.abi,
    cpuModel: d.cpuModel,
    cores: d.cores,
    cpuGovernor: before.cores[0]?.governor ?? null,
    cpuFreqMHz: freqs.length ? Math.max(...freqs) : null,
    temperatureC: before.temperatureC,
    cpuAffinity: cpus,
    agentVersion: AGENT_VERSION,
    runtimeVersion: d.transport,
    device,
  };
}
