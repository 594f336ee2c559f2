// Requantization shared by every kernel and op, scalar form. The vector kernels must
// reproduce these functions bit for bit: the kernel tests compare against them.
// PLAN_FORMAT.md ("Requantization") specifies both schemes and why each op uses which.
//
// - Conv, depthwise and fully-connected outputs: ONNX Runtime's x86 requantization
//   (MlasRequantizeOutput): float(acc) * float scale, clamped in float, rounded half to
//   even. Reproducing it exactly is what keeps us bit-identical to ORT through deep nets.
// - Add, pooling and requantizing copies: fixed point with a single rounding (TFLite's
//   TFLITE_SINGLE_ROUNDING form of MultiplyByQuantizedMultiplier).
#pragma once
#include <cmath>
#include <cstdint>

namespace farm {

// ORT computes the per-channel output scale in float32, in this order.
inline float conv_output_scale(float x_scale, float w_scale, float y_scale) {
  return x_scale * w_scale / y_scale;
}

// y = clamp(round_half_even(float(acc) * scale) + zp, lo, hi), clamping in float first
// (as MLAS does) so the conversion can never overflow. float(acc) rounds to nearest even
// for |acc| > 2^24 exactly like cvtdq2ps / scvtf. nearbyint uses the current rounding
// mode, which is round-to-nearest-even in every thread we run.
inline int8_t requantize_float(int32_t acc, float scale, int32_t zp, int32_t lo, int32_t hi) {
  float f = static_cast<float>(acc) * scale;
  const float flo = static_cast<float>(lo - zp), fhi = static_cast<float>(hi - zp);
  f = f < flo ? flo : f;
  f = f > fhi ? fhi : f;
  return static_cast<int8_t>(static_cast<int32_t>(std::nearbyint(f)) + zp);
}

struct QuantMultiplier {
  int32_t multiplier = 0;  // Q31, in [2^30, 2^31) or 0
  int32_t shift = 31;      // total right shift after the 32x32->64 product, in [1, 62]
};

inline QuantMultiplier quantize_multiplier(double m) {
  QuantMultiplier q;
  if (!(m > 0.0)) return q;
  int e = 0;
  const double frac = std::frexp(m, &e);
  int64_t fixed = std::llround(frac * 2147483648.0);
  if (fixed == (int64_t(1) << 31)) {
    fixed /= 2;
    ++e;
  }
  if (e < -31) return q;
  // m >= 2^30 only arises from broken scales; clamping keeps the shift at least 1.
  if (e > 30) e = 30;
  q.multiplier = static_cast<int32_t>(fixed);
  q.shift = 31 - e;
  return q;
}

// round(acc * M / 2^shift), ties toward +infinity, computed exactly in 64 bits
// (|acc * M| < 2^62). One rounding only: TFLite's default double rounding (high-mul,
// then rounding divide) rounds values just under a half step up, and those one-step
// differences compound over deep nets.
inline int32_t multiply_by_quantized_multiplier(int32_t acc, int32_t m, int32_t shift) {
  const int64_t p = int64_t(acc) * int64_t(m) + (int64_t(1) << (shift - 1));
  return static_cast<int32_t>(p >> shift);
}

inline int32_t multiply_by_quantized_multiplier(int32_t acc, const QuantMultiplier& q) {
  return multiply_by_quantized_multiplier(acc, q.multiplier, q.shift);
}

inline int8_t requantize_clamp(int32_t acc, const QuantMultiplier& q, int32_t zp, int32_t lo, int32_t hi) {
  int32_t v = multiply_by_quantized_multiplier(acc, q) + zp;
  v = v < lo ? lo : v;
  v = v > hi ? hi : v;
  return static_cast<int8_t>(v);
}

}  // namespace farm
