/**
 * The child process that quantizes one untrusted model, started by CappedChild under a memory
 * cap (RLIMIT_AS through prlimit, and a V8 heap limit) and a time cap. Whatever the model does to
 * this process (a native crash in ONNX Runtime, a huge allocation) ends here, not in the worker.
 *
 *   node quantize-child.js <source.onnx> <out.onnx> <minmax|percentile> <maxCalibrationBytes>
 *
 * Its one answer is the last line of stdout, a ChildAnswer as JSON; the quantized model is
 * written to <out.onnx>. Exit code 0 with an answer either way; anything else is a crash.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { calibrationInputBytes, quantizeOnnx, type CalibrationMethod } from '@farm/int8-compiler';
import { inspectModel } from '@farm/model-inspect';
import type { ChildAnswer } from './child-answer.js';

function answer(a: ChildAnswer): void {
  process.stdout.write(`\n${JSON.stringify(a)}\n`);
}

// The worker that started this child is gone (killed, crashed): its conversion will be run again, so stop now.
process.on('disconnect', () => process.exit(70));

async function main(): Promise<void> {
  const [source, out, calibration, maxBytes, input, dims, ...samplePaths] = process.argv.slice(2);
  if (!source || !out || (calibration !== 'minmax' && calibration !== 'percentile') || !Number(maxBytes)) {
    answer({ ok: false, code: 'CONVERSION_FAILED', message: 'quantize-child: usage: <source> <out> <minmax|percentile> <maxCalibrationBytes>' });
    return;
  }
  const bytes = new Uint8Array(await readFile(source));
  // The API checked the declared inputs already; the file is read again here, so checked again, as strictly.
  const calib = calibrationInputBytes(inspectModel(bytes).inputs);
  if (calib > Number(maxBytes)) {
    answer({
      ok: false,
      code: 'CALIBRATION_TOO_LARGE',
      message: `calibration inputs would take ${calib} bytes, above the limit of ${maxBytes} (MAX_CALIBRATION_MB)`,
    });
    return;
  }
  try {
    // Uploaded calibration data: one float32 sample per file (raw little-endian, as the API stored it) for `input`.
    const shape = dims ? dims.split('x').map(Number) : [];
    const inputs = input
      ? await Promise.all(
          samplePaths.map(async (p) => {
            const raw = await readFile(p);
            const data = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
            return { [input]: { data, dims: shape } };
          }),
        )
      : undefined;
    const result = await quantizeOnnx(bytes, { calibration: calibration as CalibrationMethod, ...(inputs ? { inputs } : {}) });
    await writeFile(out, result.model);
    answer({ ok: true, report: result.report });
  } catch (e) {
    const message = (e as Error).message ?? String(e);
    // What an allocation beyond the caps looks like from JavaScript (the V8 heap limit itself aborts the process instead).
    const oom = e instanceof RangeError && /allocation failed|Invalid typed array length|Array buffer/i.test(message);
    answer({ ok: false, code: oom ? 'CONVERSION_OUT_OF_MEMORY' : 'CONVERSION_FAILED', message });
  }
}

main()
  .catch((e) => {
    answer({ ok: false, code: 'CONVERSION_FAILED', message: (e as Error).message ?? String(e) });
  })
  // The IPC channel keeps the event loop alive: close it once the answer is out, as a normal end.
  .finally(() => {
    process.removeAllListeners('disconnect');
    process.disconnect?.();
  });
