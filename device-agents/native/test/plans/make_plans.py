#!/usr/bin/env python3
"""Writes the hand-made test plans (.plan.json + .plan.bin), their inputs and the
outputs expected by an independent float/integer numpy reference that follows ONNX
Runtime's semantics (requantization in real arithmetic, round half to even). The
runtime's fixed-point results must agree within one quantization step.
Run from anywhere; the generated files are committed so tests need no Python."""
import json, os
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
RANGES = {"int8": (-128, 127), "uint8": (0, 255)}
NPT = {"int8": np.int8, "uint8": np.uint8, "int32": np.int32, "float32": np.float32}


class Plan:
    def __init__(self):
        self.tensors, self.ops, self.bin, self.vals = [], [], bytearray(), {}

    def tensor(self, name, dtype, shape, scale=None, zp=None, axis=None, data=None):
        tid = len(self.tensors)
        t = {"id": tid, "name": name, "dtype": dtype, "shape": list(shape), "quant": None, "data": None}
        if scale is not None:
            s = [float(np.float32(v)) for v in np.atleast_1d(scale)]
            z = [int(v) for v in np.atleast_1d(zp)]
            t["quant"] = {"scale": s, "zeroPoint": z, "axis": axis}
        if data is not None:
            raw = np.ascontiguousarray(np.asarray(data, dtype=NPT[dtype]).reshape(shape)).tobytes()
            while len(self.bin) % 64:
                self.bin.append(0)
            t["data"] = {"offset": len(self.bin), "length": len(raw)}
            self.bin += raw
            self.vals[tid] = np.asarray(data).reshape(shape)
        self.tensors.append(t)
        return tid

    def q(self, tid):
        t = self.tensors[tid]["quant"]
        return np.float32(t["scale"][0]), t["zeroPoint"][0]

    def op(self, name, typ, ins, outs, **attrs):
        self.ops.append({"name": name, "type": typ, "inputs": ins, "outputs": outs, "attrs": attrs})

    def write(self, name, inputs, outputs, input_arrays, output_arrays):
        plan = {"format": "farm-int8-plan", "version": 1, "layout": "NHWC", "tensors": self.tensors,
                "inputs": inputs, "outputs": outputs, "ops": self.ops}
        with open(os.path.join(HERE, name + ".plan.json"), "w") as f:
            json.dump(plan, f, indent=1)
        with open(os.path.join(HERE, name + ".plan.bin"), "wb") as f:
            f.write(bytes(self.bin))
        with open(os.path.join(HERE, name + ".input.bin"), "wb") as f:
            for a in input_arrays:
                f.write(np.ascontiguousarray(a).tobytes())
        with open(os.path.join(HERE, name + ".expected.bin"), "wb") as f:
            for a in output_arrays:
                f.write(np.ascontiguousarray(a).tobytes())


def quant(real, scale, zp, dtype, lo=None, hi=None):
    rlo, rhi = RANGES[dtype]
    lo = rlo if lo is None else lo
    hi = rhi if hi is None else hi
    return np.clip(np.rint(real / np.float64(scale)) + zp, lo, hi).astype(NPT[dtype])


def conv_acc(x, zx, w, zw, bias, stride, pads, dil, groups):
    """NHWC x OHWI grouped conv, exact int64 accumulators."""
    n, h, wd, c = x.shape
    o, kh, kw, cg = w.shape
    xp = np.pad(x.astype(np.int64) - zx, ((0, 0), (pads[0], pads[2]), (pads[1], pads[3]), (0, 0)))
    oh = (h + pads[0] + pads[2] - dil[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (wd + pads[1] + pads[3] - dil[1] * (kw - 1) - 1) // stride[1] + 1
    wz = w.astype(np.int64) - np.asarray(zw).reshape(-1, 1, 1, 1)
    out = np.zeros((n, oh, ow, o), np.int64)
    og = o // groups
    for g in range(groups):
        for ky in range(kh):
            for kx in range(kw):
                patch = xp[:, ky * dil[0]: ky * dil[0] + stride[0] * (oh - 1) + 1: stride[0],
                           kx * dil[1]: kx * dil[1] + stride[1] * (ow - 1) + 1: stride[1], g * cg:(g + 1) * cg]
                out[..., g * og:(g + 1) * og] += patch @ wz[g * og:(g + 1) * og, ky, kx, :].T
    return out + (0 if bias is None else bias)


def conv_block(rng):
    p = Plan()
    x = p.tensor("input", "uint8", [1, 8, 8, 3], 1 / 64, 128)
    w1v = rng.integers(-127, 128, (8, 3, 3, 3)); s1 = rng.uniform(0.005, 0.02, 8)
    w1 = p.tensor("conv1_w", "int8", [8, 3, 3, 3], s1, [0] * 8, 0, w1v)
    b1v = rng.integers(-2000, 2000, 8); b1 = p.tensor("conv1_b", "int32", [8], data=b1v)
    y1 = p.tensor("conv1_out", "int8", [1, 4, 4, 8], 0.05, -10)
    p.op("conv1", "conv2d", [x, w1, b1], [y1], strides=[2, 2], pads=[1, 1, 1, 1], dilations=[1, 1], groups=1, clampMin=-10)
    wdv = rng.integers(-127, 128, (1, 3, 3, 8)); sd = rng.uniform(0.005, 0.03, 8)
    wd = p.tensor("dw_w", "int8", [1, 3, 3, 8], sd, [0] * 8, 3, wdv)
    bdv = rng.integers(-500, 500, 8); bd = p.tensor("dw_b", "int32", [8], data=bdv)
    yd = p.tensor("dw_out", "int8", [1, 4, 4, 8], 0.04, -128)
    p.op("dw", "depthwise_conv2d", [y1, wd, bd], [yd], strides=[1, 1], pads=[1, 1, 1, 1], depthMultiplier=1, clampMin=-128, clampMax=22)
    wgv = rng.integers(-127, 128, (8, 3, 3, 4))
    wg = p.tensor("gconv_w", "int8", [8, 3, 3, 4], 0.01, 0, None, wgv)
    yg = p.tensor("gconv_out", "int8", [1, 4, 4, 8], 0.05, 0)
    p.op("gconv", "conv2d", [yd, wg], [yg], strides=[1, 1], pads=[2, 2, 2, 2], dilations=[2, 2], groups=2)
    wpv = rng.integers(-127, 128, (8, 1, 1, 8))
    wp = p.tensor("pw_w", "int8", [8, 1, 1, 8], 0.015, 0, None, wpv)
    bpv = rng.integers(-3000, 3000, 8); bp = p.tensor("pw_b", "int32", [8], data=bpv)
    yp = p.tensor("pw_out", "int8", [1, 4, 4, 8], 0.06, 3)
    p.op("pw", "conv2d", [yg, wp, bp], [yp])
    ya = p.tensor("add_out", "int8", [1, 4, 4, 8], 0.08, 0)
    p.op("add", "add", [yp, y1], [ya])
    yg2 = p.tensor("gap_out", "int8", [1, 1, 1, 8], 0.05, -5)
    p.op("gap", "global_avg_pool", [ya], [yg2])
    yr = p.tensor("flat", "int8", [1, 8], 0.05, -5)
    p.op("flatten", "reshape", [yg2], [yr])
    wfv = rng.integers(-127, 128, (4, 8)); sf = rng.uniform(0.01, 0.03, 4)
    wf = p.tensor("fc_w", "int8", [4, 8], sf, [0] * 4, 0, wfv)
    bfv = rng.integers(-300, 300, 4); bf = p.tensor("fc_b", "int32", [4], data=bfv)
    yf = p.tensor("fc_out", "int8", [1, 4], 0.1, 0)
    p.op("fc", "fully_connected", [yr, wf, bf], [yf])
    ydq = p.tensor("logits", "float32", [1, 4])
    p.op("dequant", "dequantize", [yf], [ydq])
    ysm = p.tensor("probs", "float32", [1, 4])
    p.op("softmax", "softmax", [ydq], [ysm], axis=-1)

    xin = rng.integers(0, 256, (1, 8, 8, 3)).astype(np.uint8)
    sx, zx = p.q(x)
    a1 = conv_acc(xin, zx, w1v, 0, b1v, [2, 2], [1, 1, 1, 1], [1, 1], 1)
    r1 = quant(a1 * (sx * s1.astype(np.float32)) , 0.05, -10, "int8", lo=-10)
    # Scales as stored (float32) for an exact replica of what the runtime reads.
    s1f = np.float32(s1).astype(np.float64); sdf = np.float32(sd).astype(np.float64)
    r1 = quant(a1 * (np.float64(sx) * s1f), np.float32(0.05), -10, "int8", lo=-10)
    ad = conv_acc(r1, -10, np.transpose(wdv, (3, 1, 2, 0)), 0, bdv, [1, 1], [1, 1, 1, 1], [1, 1], 8)
    rd = quant(ad * (np.float64(np.float32(0.05)) * sdf), np.float32(0.04), -128, "int8", -128, 22)
    ag = conv_acc(rd, -128, wgv, 0, None, [1, 1], [2, 2, 2, 2], [2, 2], 2)
    rg = quant(ag * (np.float64(np.float32(0.04)) * np.float64(np.float32(0.01))), np.float32(0.05), 0, "int8")
    ap = conv_acc(rg, 0, wpv, 0, bpv, [1, 1], [0, 0, 0, 0], [1, 1], 1)
    rp = quant(ap * (np.float64(np.float32(0.05)) * np.float64(np.float32(0.015))), np.float32(0.06), 3, "int8")
    real = (rp.astype(np.float64) - 3) * np.float32(0.06) + (r1.astype(np.float64) + 10) * np.float32(0.05)
    ra = quant(real, np.float32(0.08), 0, "int8")
    rgap = quant(ra.astype(np.float64).mean(axis=(1, 2), keepdims=True) * np.float32(0.08), np.float32(0.05), -5, "int8")
    flat = rgap.reshape(1, 8)
    af = (flat.astype(np.int64) + 5) @ wfv.T.astype(np.int64) + bfv
    rf = quant(af * (np.float64(np.float32(0.05)) * np.float32(sf).astype(np.float64)), np.float32(0.1), 0, "int8")
    logits = ((rf.astype(np.float32)) * np.float32(0.1)).astype(np.float32)
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    probs = (e / e.sum(axis=-1, keepdims=True)).astype(np.float32)
    p.write("conv_block", [x], [y1, ya, ysm], [xin], [r1, ra, probs])


def pool_concat_resize(rng):
    p = Plan()
    x = p.tensor("input", "int8", [1, 6, 6, 4], 0.1, 5)
    ym = p.tensor("maxpool_out", "int8", [1, 3, 3, 4], 0.1, 5)
    p.op("maxpool", "max_pool", [x], [ym], kernel=[2, 2], strides=[2, 2])
    yn = p.tensor("up", "int8", [1, 6, 6, 4], 0.1, 5)
    p.op("up", "resize_nearest", [ym], [yn], coordinateTransformationMode="asymmetric", nearestMode="floor")
    yc = p.tensor("cat", "int8", [1, 6, 6, 8], 0.12, 0)
    p.op("cat", "concat", [x, yn], [yc], axis=3)
    yp = p.tensor("padded", "int8", [1, 6, 6, 12], 0.12, 0)
    p.op("chanpad", "pad", [yc], [yp], pads=[0, 0, 0, 0, 0, 0, 0, 4])
    ya = p.tensor("avg", "int8", [1, 6, 6, 12], 0.1, -3)
    p.op("avg", "avg_pool", [yp], [ya], kernel=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1], countIncludePad=False)
    yb = p.tensor("bilinear", "int8", [1, 9, 9, 12], 0.1, -3)
    p.op("bilinear", "resize_bilinear", [ya], [yb], coordinateTransformationMode="half_pixel")
    yt = p.tensor("nchw", "int8", [1, 12, 9, 9], 0.1, -3)
    p.op("to_nchw", "transpose", [yb], [yt], perm=[0, 3, 1, 2])
    ys = p.tensor("sig", "uint8", [1, 6, 6, 4], 1 / 256, 0)
    p.op("sig", "sigmoid", [x], [ys])

    xin = rng.integers(-128, 128, (1, 6, 6, 4)).astype(np.int8)
    rm = xin.reshape(1, 3, 2, 3, 2, 4).max(axis=(2, 4))
    rn = rm[:, [0, 0, 1, 1, 2, 2]][:, :, [0, 0, 1, 1, 2, 2]]
    s01, s012 = np.float64(np.float32(0.1)), np.float64(np.float32(0.12))
    rc = np.concatenate([quant((xin.astype(np.float64) - 5) * s01, s012, 0, "int8"),
                         quant((rn.astype(np.float64) - 5) * s01, s012, 0, "int8")], axis=3)
    rp = np.concatenate([rc, np.zeros((1, 6, 6, 4), np.int8)], axis=3)
    real = rp.astype(np.float64) * s012
    ra = np.zeros((1, 6, 6, 12), np.int8)
    for i in range(6):
        for j in range(6):
            win = real[0, max(0, i - 1):i + 2, max(0, j - 1):j + 2]
            ra[0, i, j] = quant(win.mean(axis=(0, 1)), s01, -3, "int8")
    src = np.clip((np.arange(9) + 0.5) * 6 / 9 - 0.5, 0, 5)
    i0 = np.floor(src).astype(int); i1 = np.minimum(i0 + 1, 5); f = src - i0
    av = ra.astype(np.float64) + 3
    rows = av[:, i0] * (1 - f)[None, :, None, None] + av[:, i1] * f[None, :, None, None]
    cols = rows[:, :, i0] * (1 - f)[None, None, :, None] + rows[:, :, i1] * f[None, None, :, None]
    rb = quant(cols, 1.0, -3, "int8")
    rt = np.transpose(rb, (0, 3, 1, 2))
    sig = 1 / (1 + np.exp(-(xin.astype(np.float64) - 5) * s01))
    rs = quant(sig, np.float64(np.float32(1 / 256)), 0, "uint8")
    p.write("pool_concat_resize", [x], [yt, ys], [xin], [rt, rs])


def float_head(rng):
    p = Plan()
    x = p.tensor("x", "float32", [1, 5, 7])
    yq = p.tensor("xq", "int8", [1, 5, 7], 0.02, 10)
    p.op("q", "quantize", [x], [yq])
    yr = p.tensor("relu", "int8", [1, 5, 7], 0.02, 10)
    p.op("relu", "relu", [yq], [yr])
    yc = p.tensor("clip", "int8", [1, 5, 7], 0.02, 10)
    p.op("clip", "clip", [yr], [yc], min=0.0, max=1.0)
    cv = rng.integers(-128, 128, 7)
    c = p.tensor("bias_row", "int8", [7], 0.03, -2, None, cv)
    ya = p.tensor("sum", "int8", [1, 5, 7], 0.04, 0)
    p.op("add_row", "add", [yc, c], [ya])
    yd = p.tensor("sum_f", "float32", [1, 5, 7])
    p.op("dq", "dequantize", [ya], [yd])
    ys = p.tensor("sig_f", "float32", [1, 5, 7])
    p.op("sig", "sigmoid", [yd], [ys])
    ysm = p.tensor("softmax_f", "float32", [1, 5, 7])
    p.op("sm", "softmax", [yd], [ysm], axis=1)

    xin = rng.uniform(-1.5, 2.5, (1, 5, 7)).astype(np.float32)
    s = np.float64(np.float32(0.02))
    rq = quant(xin.astype(np.float64), s, 10, "int8")
    rr = np.maximum(rq, 10).astype(np.int8)
    rc = quant(np.clip((rr.astype(np.float64) - 10) * s, 0.0, 1.0), s, 10, "int8")
    real = (rc.astype(np.float64) - 10) * s + (cv.astype(np.float64) + 2) * np.float64(np.float32(0.03))
    ra = quant(real, np.float64(np.float32(0.04)), 0, "int8")
    f = (ra.astype(np.float32) * np.float32(0.04)).astype(np.float32)
    sig = (1 / (1 + np.exp(-f))).astype(np.float32)
    e = np.exp(f - f.max(axis=1, keepdims=True))
    sm = (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
    p.write("float_head", [x], [ys, ysm], [xin], [sig, sm])


def unsupported():
    p = Plan()
    x = p.tensor("x", "float32", [1, 4])
    y = p.tensor("y", "float32", [1, 4])
    p.op("my_node", "lstm", [x], [y])
    p.write("unsupported_op", [x], [y], [np.zeros((1, 4), np.float32)], [np.zeros((1, 4), np.float32)])


if __name__ == "__main__":
    rng = np.random.default_rng(2024)
    conv_block(rng)
    pool_concat_resize(rng)
    float_head(rng)
    unsupported()
