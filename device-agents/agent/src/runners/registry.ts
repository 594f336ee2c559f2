/**
 * The runners this desktop agent offers, and the probe that tells the API which frameworks
 * (and versions) its local device can run.
 */
import type { Framework, FrameworkAvailability } from '@farm/contracts';
import { OnnxruntimeRunner } from './onnxruntime.runner.js';
import { DEFAULT_INT8_RUNNER_BINARY, NativeInt8Runner } from './native-int8.runner.js';
import { DEFAULT_OPENCV_RUNNER_BINARY, OpencvDnnRunner } from './opencv-dnn.runner.js';
import { RunnerError, type Runner } from './runner.js';
import { TfliteRunner } from './tflite.runner.js';

export interface DesktopRunnerConfig {
  /** Path of the native OpenCV DNN runner built by device-agents/opencv-runner/build.sh. */
  opencvRunnerBinary?: string;
  /** Path of the native int8 runtime built by device-agents/native/build.sh. */
  int8RunnerBinary?: string;
}

export function desktopRunners(config: DesktopRunnerConfig = {}): Runner[] {
  return [
    new OnnxruntimeRunner(),
    new TfliteRunner(),
    new OpencvDnnRunner(config.opencvRunnerBinary ?? DEFAULT_OPENCV_RUNNER_BINARY),
    new NativeInt8Runner(config.int8RunnerBinary ?? DEFAULT_INT8_RUNNER_BINARY),
  ];
}

export function desktopRunner(framework: Framework, config: DesktopRunnerConfig = {}): Runner {
  const runner = desktopRunners(config).find((r) => r.framework === framework);
  if (!runner) throw RunnerError.unavailable(framework, 'the desktop agent has no runner for it');
  return runner;
}

/** Probes run one after another: two engines initialising at once would only slow both. */
export async function probeFrameworks(runners: Runner[] = desktopRunners()): Promise<FrameworkAvailability[]> {
  const available: FrameworkAvailability[] = [];
  for (const runner of runners) {
    const a = await runner.probe();
    if (a) available.push(a);
  }
  return available;
}
