// Checks every float -> int8 quantize kernel compiled in (or the one named in argv[1])
// against the scalar definition (quantize_scalar_one) and against exact ties, odd
// lengths, out-of-range values, infinities and NaN.
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels.h"
#include "test-util.h"

using namespace farm;

static void test_kernel(const F32Qs8VcvtKernel& k, farmtest::Counter& ctr, std::mt19937& rng) {
  auto rnd = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  std::uniform_real_distribution<float> uni(-3.0f, 3.0f);
  for (int iter = 0; iter < 400; iter++) {
    const size_t n = size_t(rnd(0, 200));
    QuantizeParams p{iter % 4 == 0 ? 0.5f : float(std::ldexp(1.0 + rnd(0, 999) / 1000.0, -rnd(2, 9))), rnd(-128, 127)};
    std::vector<float> x(n);
    for (size_t i = 0; i < n; i++) {
      // Every fourth value is an exact tie (k + 0.5) * scale; a few are far out of range.
      x[i] = i % 4 == 0 ? (float(rnd(-200, 200)) + 0.5f) * p.scale : uni(rng) * (iter % 5 == 0 ? 1000.0f : 1.0f);
    }
    if (n > 3) {
      x[0] = std::numeric_limits<float>::infinity();
      x[1] = -std::numeric_limits<float>::infinity();
      x[2] = std::numeric_limits<float>::quiet_NaN();
    }
    std::vector<int8_t> y(n + 64, 0x5a), ref(n + 64, 0x5a);
    k.fn(n, x.data(), y.data(), &p);
    for (size_t i = 0; i < n; i++) ref[i] = quantize_scalar_one(x[i], p);
    ctr.check(y == ref, std::string(k.name) + " n=" + std::to_string(n));
  }
  // Half to even, and NaN -> -128.
  const QuantizeParams h{1.0f, 0};
  const float xs[5] = {0.5f, 1.5f, -2.5f, 2.4999998f, std::numeric_limits<float>::quiet_NaN()};
  int8_t ys[5];
  k.fn(5, xs, ys, &h);
  ctr.check(ys[0] == 0 && ys[1] == 2 && ys[2] == -2 && ys[3] == 2 && ys[4] == -128, std::string(k.name) + " ties");
}

int main(int argc, char** argv) {
  farmtest::Counter ctr;
  std::mt19937 rng(11);
  int ran = 0;
  for (const F32Qs8VcvtKernel& k : f32_qs8_vcvt_kernels()) {
    if (argc > 1 && std::strcmp(argv[1], k.name) != 0) continue;
    test_kernel(k, ctr, rng);
    ran++;
  }
  ctr.check(ran > 0, "no kernel matched");
  return ctr.finish("f32-qs8-vcvt");
}
