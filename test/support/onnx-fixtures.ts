/** Tiny ONNX graphs built in the test, for cases no real model exercises (a symbolic dim, an op no engine has). */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export function oneNodeOnnx(opType: string, dims: (number | string)[]): Uint8Array {
  const valueInfo = (name: string) => ({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'farm-tests',
    opsetImport: [{ domain: '', version: 13 }],
    graph: { name: `one_${opType}`, node: [{ opType, input: ['x'], output: ['y'], name: `${opType.toLowerCase()}_0` }], input: [valueInfo('x')], output: [valueInfo('y')] },
  });
  return onnx.ModelProto.encode(model).finish();
}
