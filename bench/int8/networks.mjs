// The two networks of the int8 bench, prepared once for both the timing (run.mjs) and the
// instruction counts (instructions.mjs): the fp32 original, the QDQ model our quantizer writes,
// the plan our compiler makes from that QDQ model, and one seeded input, all written to a temp dir.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildMobileNetV2, compileToPlan, quantizeOnnx, syntheticImage } from '@farm/int8-compiler';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** One network: fp32 bytes in, its QDQ model, compiled plan and seeded input written to a temp dir. */
export async function prepare(name, fp32, inputName, dims, layout) {
  const calib = [1, 2, 3, 4].map((s) => ({ [inputName]: { data: syntheticImage(dims, s, layout), dims } }));
  const { model: qdq, report } = await quantizeOnnx(fp32, { calibration: 'minmax', inputs: calib });
  const dir = mkdtempSync(join(tmpdir(), `bench-int8-${name}-`));
  const compiled = compileToPlan(qdq, dir, name);
  const x = syntheticImage(dims, 42, layout);
  const files = { fp32: join(dir, 'fp32.onnx'), qdq: join(dir, 'qdq.onnx'), input: join(dir, 'input.bin') };
  writeFileSync(files.fp32, fp32);
  writeFileSync(files.qdq, qdq);
  writeFileSync(files.input, new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
  return { name, fp32, qdq, report, inputName, dims, layout, x, compiled, dir, files };
}

/** BlazeFace (the bundled ONNX sample) and the MobileNetV2-shaped network at `mnv2Size`. */
export async function prepareNetworks({ mnv2Size = 224 } = {}) {
  const blazeface = join(root, '.cache/models/blazeface_front_128.onnx');
  if (!existsSync(blazeface)) execFileSync(process.execPath, [join(root, 'scripts/fetch-sample-models.mjs')], { stdio: 'inherit' });
  return [
    await prepare('blazeface', readFileSync(blazeface), 'input:0', [1, 128, 128, 3], 'NHWC'),
    await prepare(`mobilenetv2_${mnv2Size}`, buildMobileNetV2({ inputSize: mnv2Size }), 'input', [1, 3, mnv2Size, mnv2Size], 'NCHW'),
  ];
}
