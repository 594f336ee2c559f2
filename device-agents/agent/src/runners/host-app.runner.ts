/**
 * The benchmark host app as a runner (device-agents/ios-host/CONTRACT.md): the Core ML host on an
 * iPhone (through the Appium transport) or a Mac (farm-coreml-host through the local transport),
 * or, in tests, a stand-in host behind the project's Appium test driver that runs a real engine
 * of this machine. One runner per framework: it claims a device only when the host's `--version`
 * names that framework as its engine, and refuses a report that names another, so a stand-in's
 * numbers can never be stored as Core ML's.
 *
 * Like every runner it only pushes, execs and pulls through its transport. The host "binary" is
 * whatever the transport makes of the configured host path: the Appium transport installs it as
 * an app (once per sha256) and launches it; the local transport copies and runs it.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  HOST_APP_ARGS,
  HostAppReportSchema,
  HostAppVersionSchema,
  nativeRunnerInputArg,
  type Framework,
  type FrameworkAvailability,
  type HostAppReport,
  type ModelFormat,
  type RunnerOutput,
} from '@farm/contracts';
import { hasZipMagic, openMlPackage } from '@farm/model-inspect';
import type { ExecResult, TransportKind } from '../transports/transport.js';
import { buildInputs, byteView } from './input-synthesis.js';
import { lastLine, reportedError, tail } from './native-binary.runner.js';
import { errorMessage, RunnerError, type DeviceTarget, type Runner, type RunRequest } from './runner.js';

const PROGRAM = 'benchmark host app';

/** The host's --version per probe workspace, shared by the runners of one device so the app is launched once. */
export class HostProbe {
  private readonly versions = new WeakMap<object, Promise<ExecResult>>();

  version(device: DeviceTarget, host: string): Promise<ExecResult> {
    let v = this.versions.get(device.workspace);
    if (!v) {
      v = device.transport.exec(device.workspace, [host, '--version'], { timeoutMs: 60_000 });
      this.versions.set(device.workspace, v);
    }
    return v;
  }
}

export class HostAppRunner implements Runner {
  readonly transports: readonly TransportKind[] = ['appium', 'local'];

  /**
   * @param framework the engine this runner stands for; the host must name the same one.
   * @param hostPath the host on the agent's disk: an .ipa/.app for an iPhone, farm-coreml-host for a Mac, a stand-in in tests.
   */
  constructor(
    readonly framework: Framework,
    readonly formats: readonly ModelFormat[],
    private readonly hostPath: string,
    private readonly probeCache: HostProbe = new HostProbe(),
  ) {}

  private async pushHost(device: DeviceTarget): Promise<string> {
    try {
      return (await device.transport.push(device.workspace, this.hostPath)).remotePath;
    } catch (err) {
      throw RunnerError.unavailable(this.framework, `the benchmark host ${this.hostPath} could not be installed: ${errorMessage(err)}`);
    }
  }

  async probe(device: DeviceTarget): Promise<FrameworkAvailability | null> {
    try {
      const host = await this.pushHost(device);
      const r = await this.probeCache.version(device, host);
      if (r.exitCode !== 0) throw new Error(`--version ended with ${r.exitCode ?? r.signal}; stderr: ${tail(r.stderr)}`);
      const v = HostAppVersionSchema.parse(JSON.parse(lastLine(r.stdout)));
      // Quietly not ours: the host runs another engine, and that engine's runner claims the device.
      if (v.engine !== this.framework) return null;
      return { framework: this.framework, version: `${v.runner} ${v.version}` };
    } catch (err) {
      console.warn(`${this.framework}: the benchmark host is not usable here (${this.hostPath}): ${errorMessage(err)}`);
      return null;
    }
  }

  async run(req: RunRequest): Promise<RunnerOutput> {
    const { device, options } = req;
    if (options.delegate !== undefined) throw new RunnerError('VALIDATION_FAILED', `${this.framework} on the benchmark host takes no delegate`, true);
    const host = await this.pushHost(device);
    const local = mkdtempSync(join(tmpdir(), 'farm-host-'));
    try {
      const argv = [host, ...(await this.modelArgs(device, req.modelPath, local))];
      for (const [i, input] of buildInputs(req.inputs, options, req.inputFiles).entries()) {
        const file = join(local, `input-${i}.bin`);
        writeFileSync(file, byteView(input.data));
        argv.push('--input', nativeRunnerInputArg(input.name, input.shape, (await device.transport.push(device.workspace, file)).remotePath));
      }
      argv.push(
        '--output',
        'outputs.bin',
        '--threads',
        String(options.threads),
        '--warmup',
        String(options.warmupRuns),
        '--runs',
        String(options.timedRuns),
        '--profile-runs',
        String(options.profileRuns),
      );
      if (options.computeUnits) argv.push(HOST_APP_ARGS.computeUnits, options.computeUnits);
      req.onProgress?.('load', 0, 1);
      const report = this.parse(await device.transport.exec(device.workspace, argv), req);
      req.onProgress?.('timed', options.timedRuns, options.timedRuns);
      const outFile = join(local, 'outputs.bin');
      await device.transport.pull(device.workspace, 'outputs.bin', outFile);
      return this.output(report, readFileSync(outFile), options.threads);
    } finally {
      rmSync(local, { recursive: true, force: true });
    }
  }

  /** An .mlmodel or ONNX file goes as --model; a zipped .mlpackage is opened with the upload's bounds and goes as its files. */
  private async modelArgs(device: DeviceTarget, modelPath: string, local: string): Promise<string[]> {
    const bytes = readFileSync(modelPath);
    if (!hasZipMagic(bytes)) return ['--model', (await device.transport.push(device.workspace, modelPath)).remotePath];
    const pkg = await openMlPackage(bytes);
    const args: string[] = [];
    for (const f of pkg.files) {
      // The pushed copy keeps the file's own extension; its package path travels in the argument.
      const file = join(local, 'package', f.path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, f.bytes);
      args.push(HOST_APP_ARGS.packageEntry, `${f.path}:${(await device.transport.push(device.workspace, file)).remotePath}`);
    }
    return args;
  }

  private parse(r: ExecResult, req: RunRequest): HostAppReport {
    if (r.timedOut) throw RunnerError.timeout(`the ${PROGRAM} timed out and was stopped`);
    if (r.exitCode !== 0) {
      // No error report: the app crashed or was killed; the transport's stderr says what it saw.
      const ctx = { stage: 'run' as const, inputs: req.inputs, options: req.options };
      throw (
        reportedError('coreml-host', PROGRAM, r.stderr, ctx) ??
        RunnerError.engine('coreml-host', `the ${PROGRAM} ${r.signal ? `ended abnormally (${r.signal})` : `exited ${r.exitCode}`}: ${tail(r.stderr)}`, ctx)
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(lastLine(r.stdout));
    } catch {
      throw RunnerError.failed(`the ${PROGRAM} ended without a JSON report; stdout: ${tail(r.stdout)}`);
    }
    const report = HostAppReportSchema.safeParse(parsed);
    if (!report.success) throw RunnerError.failed(`the ${PROGRAM} wrote an unexpected report: ${report.error.message}`);
    if (report.data.engine !== this.framework) {
      // Never store one engine's numbers under another's name.
      throw new RunnerError('RUNNER_FAILED', `the ${PROGRAM} ran ${report.data.engine}, not ${this.framework}`, true);
    }
    return report.data;
  }

  /** The common result, with what only a host app knows (compute units, estimated layers, thermal state, battery) in notes and layerBasis. */
  output(report: HostAppReport, outputBytes: Uint8Array, requestedThreads: number): RunnerOutput {
    const notes: string[] = [`host ${report.runner} on ${report.deviceModel} (${report.os})`];
    if (report.computeUnits) notes.push(`compute units: ${report.computeUnits}`);
    const estimated = report.layers.filter((l) => l.estimated).length;
    if (estimated > 0) {
      const units = new Map<string, number>();
      for (const l of report.layers) units.set(l.computeUnit, (units.get(l.computeUnit) ?? 0) + 1);
      notes.push(
        `${estimated} of ${report.layers.length} per-layer times are estimated (cost share x measured median), not measured; ops per compute unit: ` +
          [...units].map(([u, n]) => `${u} ${n}`).join(', '),
      );
    }
    const b = report.deviceBefore;
    const a = report.deviceAfter;
    notes.push(
      `thermal state ${b.thermalState} -> ${a.thermalState}; battery ${b.batteryLevelPercent ?? '?'}% (${b.batteryState}) -> ${a.batteryLevelPercent ?? '?'}% (${a.batteryState})`,
    );
    if (report.threads !== requestedThreads) notes.push(`requested ${requestedThreads} threads; the host reports ${report.threads}`);
    const layerBasis = report.layerBasis ?? (estimated > 0 ? { basis: 'estimated' as const } : undefined);
    return {
      framework: this.framework,
      frameworkVersion: report.version,
      threads: report.threads,
      loadMs: report.loadMs,
      firstInferenceMs: report.firstInferenceMs,
      latenciesMs: report.latenciesMs,
      peakMemoryBytes: report.peakMemoryBytes,
      outputDigest: createHash('sha256').update(outputBytes).digest('hex'),
      // Per-run samples only for measured layers: an estimate has no runs to put an interval on.
      layers: report.layers.map((l) => ({
        name: l.name,
        opType: l.opType,
        timeMs: l.timeMs,
        ...(!l.estimated && l.samplesMs ? { samplesMs: l.samplesMs } : {}),
      })),
      profiledRuns: report.profiledRuns,
      ...(layerBasis ? { layerBasis } : {}),
      notes,
    };
  }
}
