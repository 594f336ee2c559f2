/**
 * The runners this agent offers, built from the one runner-settings map, and the probe that
 * tells the API which frameworks (and versions) a device can run.
 */
import { FRAMEWORK_FORMATS, FRAMEWORKS, type Framework, type FrameworkAvailability } from '@farm/contracts';
import { HostAppRunner, HostProbe } from './host-app.runner.js';
import { OnnxruntimeRunner } from './onnxruntime.runner.js';
import { DEFAULT_ANDROID_INT8_RUNNER_BINARY, DEFAULT_INT8_RUNNER_BINARY, NativeInt8Runner } from './native-int8.runner.js';
import { OnnxruntimePerfTestRunner } from './onnxruntime-perf-test.runner.js';
import { TfliteBenchmarkModelRunner } from './tflite-benchmark-model.runner.js';
import { DEFAULT_NCNN_RUNNER_BINARY, NcnnRunner } from './ncnn.runner.js';
import { DEFAULT_OPENCV_RUNNER_BINARY, OpencvDnnRunner } from './opencv-dnn.runner.js';
import { RunnerError, type DeviceTarget, type Runner } from './runner.js';
import type { RunnerSettings } from './runner-settings.js';
import { TfliteRunner } from './tflite.runner.js';

export function desktopRunners(settings: RunnerSettings = {}): Runner[] {
  const runners: Runner[] = [
    new OnnxruntimeRunner(),
    new TfliteRunner(),
    new OpencvDnnRunner(settings.opencvRunnerBinary ?? DEFAULT_OPENCV_RUNNER_BINARY),
    new NativeInt8Runner(settings.int8RunnerBinary ?? DEFAULT_INT8_RUNNER_BINARY),
    new NcnnRunner(settings.ncnnRunnerBinary ?? DEFAULT_NCNN_RUNNER_BINARY),
  ];
  // A Mac agent: Core ML through the host's command-line target on the local transport. It claims
  // the desktop only when the host's --version names coreml, so no other program is offered as Core ML.
  if (settings.coremlHost) runners.push(new HostAppRunner('coreml', FRAMEWORK_FORMATS.coreml, settings.coremlHost));
  return runners;
}

/**
 * The runners usable on an Android phone over adb: our int8 runtime as its aarch64 build, and the
 * operator-provided official tools when their host paths are configured. A tool that is not
 * configured is simply not offered (no runner, no probe, no warning): the phone then reports no
 * such framework.
 */
export function phoneRunners(settings: RunnerSettings = {}): Runner[] {
  const runners: Runner[] = [new NativeInt8Runner(settings.androidInt8RunnerBinary ?? DEFAULT_ANDROID_INT8_RUNNER_BINARY, 'aarch64')];
  // NCNN is an operator build, like the two tools: offered only when configured.
  if (settings.androidNcnnRunnerBinary) runners.push(new NcnnRunner(settings.androidNcnnRunnerBinary));
  if (settings.androidTfliteBenchmarkModel) runners.push(new TfliteBenchmarkModelRunner(settings.androidTfliteBenchmarkModel));
  if (settings.androidOrtPerfTest) runners.push(new OnnxruntimePerfTestRunner(settings.androidOrtPerfTest));
  return runners;
}

/**
 * The runners of a device reached through Appium: the benchmark host app, once per framework with
 * a model format. Only the one whose engine the host names (`--version`) claims the device, so a
 * real iPhone offers coreml and the test stand-in offers the engine it really runs. The host's
 * version is read once per device, not once per framework.
 */
export function appiumRunners(hostApp: string): Runner[] {
  const probe = new HostProbe();
  return FRAMEWORKS.filter((f) => FRAMEWORK_FORMATS[f].length > 0).map((f) => new HostAppRunner(f, FRAMEWORK_FORMATS[f], hostApp, probe));
}

export function desktopRunner(framework: Framework, settings: RunnerSettings = {}): Runner {
  const runner = desktopRunners(settings).find((r) => r.framework === framework);
  if (!runner) throw RunnerError.unavailable(framework, 'the desktop agent has no runner for it');
  return runner;
}

/** Probes run one after another: two engines initialising at once would only slow both. Runners that cannot use the device's transport are left out. */
export async function probeFrameworks(runners: Runner[], device: DeviceTarget): Promise<FrameworkAvailability[]> {
  const available: FrameworkAvailability[] = [];
  for (const runner of runners) {
    if (!runner.transports.includes(device.transport.kind)) continue;
    const a = await runner.probe(device);
    if (a) available.push(a);
  }
  return available;
}
