// Pins the documented rounding (PLAN_FORMAT.md, "Requantization") to exact values so
// the runtime and the TypeScript side cannot drift apart silently.
#include <cmath>

#include "requant.h"
#include "test-util.h"

using namespace farm;

int main() {
  farmtest::Counter ctr;
  // Fixed point (Add, pooling, requantizing copies): one rounding, ties toward +inf.
  const QuantMultiplier half = quantize_multiplier(0.5);
  ctr.check(half.multiplier == (1 << 30) && half.shift == 31, "0.5 -> 2^30 >> 31");
  const QuantMultiplier q = quantize_multiplier(0.25);
  ctr.check(q.multiplier == (1 << 30) && q.shift == 32, "0.25 -> 2^30 >> 32");
  ctr.check(multiply_by_quantized_multiplier(3, half) == 2, "1.5 -> 2");
  ctr.check(multiply_by_quantized_multiplier(-3, half) == -1, "-1.5 -> -1 (ties toward +inf)");
  ctr.check(multiply_by_quantized_multiplier(7, q) == 2, "1.75 -> 2");
  // TFLite's double rounding gave 2 here (1.25 -> high-mul 2.5 -> 3 -> 1.5 -> 2).
  ctr.check(multiply_by_quantized_multiplier(5, q) == 1, "1.25 rounds once, to 1");
  ctr.check(multiply_by_quantized_multiplier(-6, q) == -1, "-1.5 -> -1");
  const QuantMultiplier big = quantize_multiplier(3.0);
  ctr.check(big.shift == 29 && multiply_by_quantized_multiplier(7, big) == 21, "3.0 -> shift 29, 7 -> 21");
  ctr.check(multiply_by_quantized_multiplier(2147483647, big) == int32_t(uint32_t(2147483647) * 3u),
            "large products are exact in 64 bits (result wraps like a cast)");
  const QuantMultiplier tiny = quantize_multiplier(1e-12);
  ctr.check(tiny.multiplier == 0 && multiply_by_quantized_multiplier(123456, tiny) == 0, "below 2^-32 -> 0");
  std::mt19937 rng(1);
  // Against exact real arithmetic: the result is the real product rounded (|err| <= 1/2
  // plus the multiplier's own 2^-31 relative error).
  bool ok = true;
  for (int i = 0; i < 200000 && ok; i++) {
    const double m = std::ldexp(1.0 + double(rng() % 100000) / 100000.0, -int(rng() % 40) + 8);
    const int32_t acc = int32_t(rng() % 2000001) - 1000000;
    const QuantMultiplier qm = quantize_multiplier(m);
    const double exact = double(acc) * double(qm.multiplier) * std::ldexp(1.0, -qm.shift);
    const int32_t got = multiply_by_quantized_multiplier(acc, qm);
    ok = std::fabs(double(got) - exact) <= 0.5 && !(std::fabs(double(got) - exact) == 0.5 && double(got) < exact);
  }
  ctr.check(ok, "fixed point equals the exact product of the quantized multiplier, rounded half up");
  // Float (conv, depthwise, fully connected): ORT's float multiply, half to even.
  ctr.check(requantize_float(5, 0.5f, 0, -128, 127) == 2, "2.5 -> 2 (half to even)");
  ctr.check(requantize_float(7, 0.5f, 0, -128, 127) == 4, "3.5 -> 4");
  ctr.check(requantize_float(-5, 0.5f, 0, -128, 127) == -2, "-2.5 -> -2");
  ctr.check(requantize_float(1000000, 1.0f, 3, -128, 100) == 100, "clamped in float, no overflow");
  ctr.check(requantize_float(-2147483647 - 1, 3.0f, 0, -128, 127) == -128, "int32 min clamps");
  ctr.check(requantize_float(16777217, 0.125f, 0, -128, 127) == 127, "above 2^24 still clamps");
  ctr.check(conv_output_scale(0.1f, 0.3f, 0.7f) == 0.1f * 0.3f / 0.7f, "scale is float (x*w)/y, as ORT");
  // float32 rounding of the product is part of the definition: 16777217 is not a float.
  ctr.check(requantize_float(16777217, 1.0f / 1048576.0f, 0, -128, 127) == 16, "float(acc) rounds first");
  return ctr.finish("requant");
}
