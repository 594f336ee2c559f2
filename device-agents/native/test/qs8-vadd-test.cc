// Checks every Add micro-kernel against the scalar TFLite-style formula on random
// lengths (odd tails included) and random scales.
#include <cstring>
#include <vector>

#include "kernels.h"
#include "test-util.h"

using namespace farm;

static void test_kernel(const VaddKernel& k, farmtest::Counter& ctr, std::mt19937& rng) {
  auto rnd = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  // Wide scale ratios: the fixed-point shifts then span both sides of 32 bits.
  auto scale = [&]() { return float(std::ldexp(1.0 + rnd(0, 999) / 1000.0, -rnd(2, 14))); };
  for (int iter = 0; iter < 400; iter++) {
    const size_t n = size_t(rnd(1, 300));
    std::vector<int8_t> a(n + 64), b(n + 64), y(n + 64, 0x11), ref(n + 64, 0x11);
    for (auto& v : a) v = int8_t(rnd(-128, 127));
    for (auto& v : b) v = int8_t(rnd(-128, 127));
    VaddParams p;
    make_vadd_params(scale(), rnd(-128, 127), scale(), rnd(-128, 127), scale(), rnd(-128, 127), rnd(-128, -40),
                     rnd(40, 127), p);
    k.fn(n, a.data(), b.data(), y.data(), &p);
    for (size_t i = 0; i < n; i++) ref[i] = vadd_scalar_one(a[i], b[i], p);
    ctr.check(y == ref, std::string(k.name) + " n=" + std::to_string(n));
  }
}

int main(int argc, char** argv) {
  farmtest::Counter ctr;
  std::mt19937 rng(3);
  int ran = 0;
  for (const VaddKernel& k : vadd_kernels()) {
    if (argc > 1 && std::strcmp(argv[1], k.name) != 0) continue;
    test_kernel(k, ctr, rng);
    ran++;
  }
  ctr.check(ran > 0, "no kernel matched");
  return ctr.finish("qs8-vadd");
}
