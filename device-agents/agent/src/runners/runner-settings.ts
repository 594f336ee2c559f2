/**
 * Runner settings: the one map that carries what runners need from the agent's configuration
 * (where a native runner binary is, which CPUs runners are pinned to) from the config, through the
 * runner host's request, to the registry that builds the runners. A new setting is added here and
 * where the config reads it, and nowhere in between.
 */
import { z } from 'zod';

export const RunnerSettingsSchema = z
  .object({
    /** Path of the native OpenCV DNN runner built by device-agents/opencv-runner/build.sh. */
    opencvRunnerBinary: z.string().min(1).optional(),
    /** Path of ncnn-runner built by device-agents/ncnn-runner/build.sh against an NCNN install. */
    ncnnRunnerBinary: z.string().min(1).optional(),
    /** Path of the native int8 runtime built by device-agents/native/build.sh. */
    int8RunnerBinary: z.string().min(1).optional(),
    /** Host path of the int8 runtime built for phones (device-agents/native/build.sh aarch64), pushed over adb. */
    androidInt8RunnerBinary: z.string().min(1).optional(),
    /** Host path of an operator-provided Android arm64 TFLite benchmark_model; unset: no on-device TFLite. */
    androidTfliteBenchmarkModel: z.string().min(1).optional(),
    /** Host path of an operator-provided Android arm64 onnxruntime_perf_test; unset: no on-device ONNX Runtime. */
    androidOrtPerfTest: z.string().min(1).optional(),
    /** Host path of the static aarch64 ncnn-runner pushed to Android phones (device-agents/ncnn-runner/build.sh aarch64). */
    androidNcnnRunnerBinary: z.string().min(1).optional(),
    /** Path of the macOS command-line Core ML host (farm-coreml-host, device-agents/ios-host); set only on a Mac agent. */
    coremlHost: z.string().min(1).optional(),
    /** CPU list every runner process is pinned to ("1", "2-3", "0,2"); unset: the scheduler decides. */
    cpus: z.string().min(1).optional(),
    /** Memory cap of each runner process in MiB (RLIMIT_AS through prlimit on the local device); unset: no cap. */
    memoryLimitMb: z.number().int().positive().optional(),
  })
  .strict();
export type RunnerSettings = z.infer<typeof RunnerSettingsSchema>;
