// Pins the documented rounding (PLAN_FORMAT.md, "Requantization") to exact values so
// the runtime and the TypeScript side cannot drift apart silently.
#include <cmath>

#include "requant.h"
#include "test-util.h"

using namespace farm;

// gemmlowp's original formulation, kept here as the oracle.
static int32_t srdhm_gemmlowp(int32_t a, int32_t b) {
  const int64_t ab = int64_t(a) * int64_t(b);
  const int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
  return int32_t((ab + nudge) / (int64_t(1) << 31));
}

int main() {
  farmtest::Counter ctr;
  const QuantMultiplier half = quantize_multiplier(0.5);
  ctr.check(half.multiplier == (1 << 30) && half.right_shift == 0 && half.left_shift == 0, "0.5 -> 2^30, shift 0");
  const QuantMultiplier q = quantize_multiplier(0.25);
  ctr.check(q.multiplier == (1 << 30) && q.right_shift == 1, "0.25 -> 2^30 >> 1");
  // Ties: 3 * 0.5 = 1.5 -> 2 (away from zero), -1.5 -> -2, 2.5 -> 3.
  ctr.check(multiply_by_quantized_multiplier(3, half) == 2, "1.5 rounds to 2");
  ctr.check(multiply_by_quantized_multiplier(-3, half) == -1, "-1.5 in the high-mul rounds half up to -1");
  ctr.check(multiply_by_quantized_multiplier(7, q) == 2, "1.75 -> 2");
  // Double rounding, exactly as TFLite's reference: 1.25 -> high-mul 2.5 -> 3 -> 1.5 -> 2.
  ctr.check(multiply_by_quantized_multiplier(5, q) == 2, "1.25 double-rounds to 2");
  ctr.check(multiply_by_quantized_multiplier(6, q) == 2, "1.5 via divide -> 2");
  ctr.check(multiply_by_quantized_multiplier(-6, q) == -2, "-1.5 via divide -> -2 (away from zero)");
  const QuantMultiplier big = quantize_multiplier(3.0);
  ctr.check(big.left_shift == 2 && multiply_by_quantized_multiplier(7, big) == 21, "3.0 uses a left shift");
  std::mt19937 rng(1);
  for (int i = 0; i < 200000; i++) {
    const int32_t a = int32_t(rng());
    const int32_t b = int32_t(rng() | 0x40000000u) & 0x7fffffff;
    if (rounding_high_mul(a, b) != srdhm_gemmlowp(a, b)) {
      ctr.check(false, "high-mul differs from gemmlowp at " + std::to_string(a) + "*" + std::to_string(b));
      break;
    }
  }
  ctr.check(true, "high-mul equals gemmlowp on 200000 random pairs");
  // Against exact real arithmetic: never more than one step off.
  for (int i = 0; i < 100000; i++) {
    const double m = std::ldexp(1.0 + double(rng() % 100000) / 100000.0, -int(rng() % 20) - 1);
    const int32_t acc = int32_t(rng() % 2000001) - 1000000;
    const int32_t got = multiply_by_quantized_multiplier(acc, quantize_multiplier(m));
    if (std::fabs(double(got) - double(acc) * m) >= 1.0) {
      ctr.check(false, "requant off by a full step or more");
      break;
    }
  }
  return ctr.finish("requant");
}
