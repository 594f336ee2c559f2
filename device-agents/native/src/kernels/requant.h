// Fixed-point requantization shared by every kernel and op, scalar form.
// The vector kernels must reproduce these functions bit for bit: the kernel tests
// compare against them. The scheme (TFLite's MultiplyByQuantizedMultiplier) is
// specified in PLAN_FORMAT.md so the compiler side and the tests agree on rounding.
#pragma once
#include <cmath>
#include <cstdint>

namespace farm {

struct QuantMultiplier {
  int32_t multiplier = 0;  // Q31, in [2^30, 2^31) or 0
  int32_t left_shift = 0;  // applied before the high multiply
  int32_t right_shift = 0; // rounding divide after it
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
  // A left shift above 30 would drop every bit of any accumulator: clamp so the
  // vector shifts stay in range; such multipliers only arise from broken scales.
  if (e > 30) e = 30;
  q.multiplier = static_cast<int32_t>(fixed);
  q.left_shift = e > 0 ? e : 0;
  q.right_shift = e > 0 ? 0 : -e;
  return q;
}

// (x * M + 2^30) >> 31: gemmlowp's SaturatingRoundingDoublingHighMul for M > 0.
inline int32_t rounding_high_mul(int32_t x, int32_t m) {
  const int64_t p = int64_t(x) * int64_t(m) + (int64_t(1) << 30);
  return static_cast<int32_t>(p >> 31);
}

// Rounds half away from zero, as gemmlowp's RoundingDivideByPOT.
inline int32_t rounding_divide_pot(int32_t x, int32_t exponent) {
  const int32_t mask = static_cast<int32_t>((uint32_t(1) << exponent) - 1u);
  const int32_t rem = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (rem > threshold ? 1 : 0);
}

inline int32_t multiply_by_quantized_multiplier(int32_t acc, int32_t m, int32_t lshift, int32_t rshift) {
  // Wrapping left shift: the vector code wraps too, and plans must not depend on it.
  const int32_t x = static_cast<int32_t>(static_cast<uint32_t>(acc) << lshift);
  return rounding_divide_pot(rounding_high_mul(x, m), rshift);
}

inline int32_t multiply_by_quantized_multiplier(int32_t acc, const QuantMultiplier& q) {
  return multiply_by_quantized_multiplier(acc, q.multiplier, q.left_shift, q.right_shift);
}

inline int8_t requantize_clamp(int32_t acc, const QuantMultiplier& q, int32_t zp, int32_t lo, int32_t hi) {
  int32_t v = multiply_by_quantized_multiplier(acc, q) + zp;
  v = v < lo ? lo : v;
  v = v > hi ? hi : v;
  return static_cast<int8_t>(v);
}

}  // namespace farm
