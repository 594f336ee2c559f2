#!/usr/bin/env python3
"""Writes a MobileNetV2-1.0 (224x224) shaped plan with random int8 weights, for timing
the runtime on a realistic layer mix before the compiler's real plans exist.
Usage: make_mobilenetv2_plan.py OUT_DIR  -> OUT_DIR/mobilenetv2_random.plan.{json,bin}"""
import json, os, sys
import numpy as np

rng = np.random.default_rng(0)
tensors, ops, blob = [], [], bytearray()


def tensor(name, dtype, shape, scale=None, zp=None, axis=None, data=None):
    t = {"id": len(tensors), "name": name, "dtype": dtype, "shape": list(shape), "quant": None, "data": None}
    if scale is not None:
        t["quant"] = {"scale": [float(v) for v in np.atleast_1d(scale)], "zeroPoint": [int(v) for v in np.atleast_1d(zp)], "axis": axis}
    if data is not None:
        raw = np.ascontiguousarray(data).tobytes()
        while len(blob) % 64:
            blob.append(0)
        t["data"] = {"offset": len(blob), "length": len(raw)}
        blob.extend(raw)
    tensors.append(t)
    return t["id"]


def act(name, shape):
    return tensor(name, "int8", shape, 0.05, -128 + int(rng.integers(0, 20)))


def conv(name, x, shape, o, k, s, relu6=True, dw=False):
    n, h, w, c = shape
    p = k // 2
    oh, ow = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
    if dw:
        wt = tensor(name + "_w", "int8", [1, k, k, c], rng.uniform(0.002, 0.02, c), [0] * c, 3,
                    rng.integers(-127, 128, (1, k, k, c), dtype=np.int8))
        o = c
    else:
        wt = tensor(name + "_w", "int8", [o, k, k, c], rng.uniform(0.002, 0.02, o), [0] * o, 0,
                    rng.integers(-127, 128, (o, k, k, c), dtype=np.int8))
    b = tensor(name + "_b", "int32", [o], data=rng.integers(-1000, 1000, o, dtype=np.int32))
    y = act(name + "_out", [n, oh, ow, o])
    attrs = {"strides": [s, s], "pads": [p, p, p, p]}
    if relu6:
        zp = tensors[y]["quant"]["zeroPoint"][0]
        attrs.update(clampMin=zp, clampMax=min(127, zp + round(6 / 0.05)))
    ops.append({"name": name, "type": "depthwise_conv2d" if dw else "conv2d", "inputs": [x, wt, b], "outputs": [y], "attrs": attrs})
    return y, [n, oh, ow, o]


x = tensor("input", "int8", [1, 224, 224, 3], 0.02, 0)
inp = x
y, shape = conv("conv0", x, [1, 224, 224, 3], 32, 3, 2)
idx = 0
for t, c, n, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]:
    for i in range(n):
        stride = s if i == 0 else 1
        block_in, in_shape = y, shape
        h = y
        if t != 1:
            h, shape = conv(f"b{idx}_expand", h, shape, in_shape[3] * t, 1, 1)
        h, shape = conv(f"b{idx}_dw", h, shape, 0, 3, stride, dw=True)
        h, shape = conv(f"b{idx}_project", h, shape, c, 1, 1, relu6=False)
        if stride == 1 and in_shape[3] == c:
            out = act(f"b{idx}_add", shape)
            ops.append({"name": f"b{idx}_add", "type": "add", "inputs": [block_in, h], "outputs": [out], "attrs": {}})
            h = out
        y = h
        idx += 1
y, shape = conv("conv_last", y, shape, 1280, 1, 1)
g = act("gap", [1, 1, 1, 1280])
ops.append({"name": "gap", "type": "global_avg_pool", "inputs": [y], "outputs": [g], "attrs": {}})
f = act("flat", [1, 1280])
tensors[f]["quant"] = tensors[g]["quant"]
ops.append({"name": "flatten", "type": "reshape", "inputs": [g], "outputs": [f], "attrs": {}})
w = tensor("fc_w", "int8", [1000, 1280], rng.uniform(0.002, 0.02, 1000), [0] * 1000, 0, rng.integers(-127, 128, (1000, 1280), dtype=np.int8))
b = tensor("fc_b", "int32", [1000], data=rng.integers(-1000, 1000, 1000, dtype=np.int32))
logits = act("logits", [1, 1000])
ops.append({"name": "fc", "type": "fully_connected", "inputs": [f, w, b], "outputs": [logits], "attrs": {}})
fl = tensor("logits_f", "float32", [1, 1000])
ops.append({"name": "dequant", "type": "dequantize", "inputs": [logits], "outputs": [fl], "attrs": {}})
pr = tensor("probs", "float32", [1, 1000])
ops.append({"name": "softmax", "type": "softmax", "inputs": [fl], "outputs": [pr], "attrs": {"axis": -1}})

out = sys.argv[1] if len(sys.argv) > 1 else "."
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "mobilenetv2_random.plan.json"), "w") as fh:
    json.dump({"format": "farm-int8-plan", "version": 1, "layout": "NHWC", "tensors": tensors, "inputs": [inp],
               "outputs": [pr], "ops": ops}, fh)
with open(os.path.join(out, "mobilenetv2_random.plan.bin"), "wb") as fh:
    fh.write(bytes(blob))
