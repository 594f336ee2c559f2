/**
 * Generates a MobileNetV2-shaped fp32 ONNX network with seeded random weights: 3x3 stem,
 * inverted residual blocks (1x1 expand -> 3x3 depthwise -> 1x1 linear project, residual Add
 * when shapes allow), BatchNormalization after every conv (to exercise BN folding), ReLU6 as
 * Clip(0, 6), 1x1 head conv, GlobalAveragePool, Flatten and a Gemm classifier. Used by the
 * tests and the bench as a second, standard-shaped network next to BlazeFace.
 */
import { A, OnnxGraph } from '../onnx/onnx-graph.js';
import { makeTensor, numel } from '../onnx/onnx-proto.js';
import { mulberry32 } from '../quantizer/calibration.js';

export interface MobileNetV2Options {
  inputSize?: number;
  widthMultiplier?: number;
  classes?: number;
  seed?: number;
}

/** (expansion t, channels c, repeats n, first stride s), as in the MobileNetV2 paper. */
const BLOCKS: [number, number, number, number][] = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

function divisible(v: number, d = 8): number {
  const r = Math.max(d, Math.floor((v + d / 2) / d) * d);
  return r < 0.9 * v ? r + d : r;
}

export function buildMobileNetV2(opts: MobileNetV2Options = {}): Uint8Array {
  const size = opts.inputSize ?? 128;
  const alpha = opts.widthMultiplier ?? 1;
  const classes = opts.classes ?? 1000;
  const rnd = mulberry32(opts.seed ?? 7);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());

  const g = new OnnxGraph();
  g.name = 'mobilenetv2_shaped';
  g.opset = 13;
  g.inputs = ['input'];
  g.types.set('input', { dtype: 'float32', shape: [1, 3, size, size] });
  let counter = 0;
  const id = (p: string) => `${p}_${++counter}`;
  const constant = (name: string, dims: number[], f: (i: number) => number) => {
    g.constants.set(
      name,
      makeTensor(
        'float32',
        dims,
        Array.from({ length: numel(dims) }, (_, i) => f(i)),
      ),
    );
    return name;
  };
  const clipMin = constant('relu6_min', [], () => 0);
  const clipMax = constant('relu6_max', [], () => 6);

  const convBn = (x: string, cin: number, cout: number, k: number, stride: number, group: number, relu6: boolean, gain: number): string => {
    const name = id(group > 1 ? 'dwconv' : 'conv');
    const fanIn = (cin / group) * k * k;
    const std = Math.sqrt(gain / fanIn);
    const w = constant(`${name}.weight`, [cout, cin / group, k, k], () => gauss() * std);
    const conv = `${name}.out`;
    const pad = Math.floor(k / 2);
    g.nodes.push({
      name,
      opType: 'Conv',
      domain: '',
      inputs: [x, w],
      outputs: [conv],
      attrs: { kernel_shape: A.is([k, k]), strides: A.is([stride, stride]), pads: A.is([pad, pad, pad, pad]), group: A.i(group) },
    });
    const bn = `${name}.bn`;
    g.nodes.push({
      name: `${name}_bn`,
      opType: 'BatchNormalization',
      domain: '',
      inputs: [
        conv,
        constant(`${bn}.gamma`, [cout], () => 0.5 + rnd()),
        constant(`${bn}.beta`, [cout], () => (rnd() - 0.5) * 0.2),
        constant(`${bn}.mean`, [cout], () => (rnd() - 0.5) * 0.2),
        constant(`${bn}.var`, [cout], () => 0.5 + rnd()),
      ],
      outputs: [bn],
      attrs: { epsilon: A.f(1e-5) },
    });
    if (!relu6) return bn;
    const out = `${name}.relu6`;
    g.nodes.push({ name: `${name}_relu6`, opType: 'Clip', domain: '', inputs: [bn, clipMin, clipMax], outputs: [out], attrs: {} });
    return out;
  };

  let c = divisible(32 * alpha);
  let x = convBn('input', 3, c, 3, 2, 1, true, 2);
  for (const [t, ch, n, s] of BLOCKS) {
    const cout = divisible(ch * alpha);
    for (let i = 0; i < n; i++) {
      const stride = i === 0 ? s : 1;
      const hidden = c * t;
      let y = t === 1 ? x : convBn(x, c, hidden, 1, 1, 1, true, 2);
      y = convBn(y, hidden, hidden, 3, stride, hidden, true, 2);
      y = convBn(y, hidden, cout, 1, 1, 1, false, 1);
      if (stride === 1 && c === cout) {
        const sum = id('add');
        g.nodes.push({ name: sum, opType: 'Add', domain: '', inputs: [x, y], outputs: [`${sum}.out`], attrs: {} });
        y = `${sum}.out`;
      }
      x = y;
      c = cout;
    }
  }
  const last = alpha > 1 ? divisible(1280 * alpha) : 1280;
  x = convBn(x, c, last, 1, 1, 1, true, 2);
  g.nodes.push({ name: 'global_pool', opType: 'GlobalAveragePool', domain: '', inputs: [x], outputs: ['pooled'], attrs: {} });
  g.nodes.push({ name: 'flatten', opType: 'Flatten', domain: '', inputs: ['pooled'], outputs: ['features'], attrs: { axis: A.i(1) } });
  const fcW = constant('classifier.weight', [classes, last], () => gauss() * Math.sqrt(1 / last));
  const fcB = constant('classifier.bias', [classes], () => (rnd() - 0.5) * 0.1);
  g.nodes.push({ name: 'classifier', opType: 'Gemm', domain: '', inputs: ['features', fcW, fcB], outputs: ['logits'], attrs: { transB: A.i(1) } });
  g.outputs = ['logits'];
  g.types.set('logits', { dtype: 'float32', shape: [1, classes] });
  return g.toBytes();
}
