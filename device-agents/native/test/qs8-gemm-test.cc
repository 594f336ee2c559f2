// Checks every GEMM micro-kernel compiled in (or the one named in argv[1]) against a
// naive int32 reference on random shapes, including sizes that are not multiples of
// the tile, asymmetric weights, scales above one and exact ties (half to even).
#include <cstring>
#include <vector>

#include "kernels.h"
#include "test-util.h"

using namespace farm;

static void test_kernel(const GemmKernel& k, farmtest::Counter& ctr, std::mt19937& rng) {
  auto rnd = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int iter = 0; iter < 300; iter++) {
    const size_t m = size_t(rnd(1, 2 * k.mr + 1)), n = size_t(rnd(1, 3 * k.nr + 3)), kd = size_t(rnd(1, iter < 250 ? 40 : 700));
    const int32_t za = rnd(-128, 127);
    std::vector<int8_t> a8(m * kd), w8(n * kd);
    for (auto& v : a8) v = int8_t(rnd(-128, 127));
    for (auto& v : w8) v = int8_t(rnd(-128, 127));
    std::vector<int32_t> zw(n), bias(n);
    std::vector<float> q(n);
    std::vector<int16_t> w16(n * kd);
    for (size_t o = 0; o < n; o++) {
      zw[o] = iter % 3 == 0 ? rnd(-128, 127) : 0;
      bias[o] = rnd(-50000, 50000);
      // Scales above one, and exact powers of two so that many outputs land on ties.
      const double mult = iter % 7 == 0 ? std::ldexp(1.0 + rnd(0, 1000) / 1000.0, rnd(0, 3))
                          : iter % 5 == 0 ? std::ldexp(1.0, -rnd(1, 3))
                                          : std::ldexp(1.0 + rnd(0, 1000) / 1000.0, -rnd(5, 20));
      q[o] = float(mult);
      for (size_t i = 0; i < kd; i++) w16[o * kd + i] = int16_t(w8[o * kd + i] - zw[o]);
    }
    std::vector<uint8_t> packed;
    size_t kc = 0;
    pack_gemm_weights(k, n, kd, w16.data(), bias.data(), q.data(), packed, kc);
    const size_t a_stride = kc + size_t(rnd(0, 3)) * k.kr;
    std::vector<int16_t> a16(m * a_stride + 64, 0);
    for (size_t r = 0; r < m; r++)
      for (size_t i = 0; i < kd; i++) a16[r * a_stride + i] = int16_t(a8[r * kd + i] - za);
    OutputParams p{rnd(-20, 20), rnd(-128, -60), rnd(60, 127)};
    const size_t c_stride = n + size_t(rnd(0, 5));
    std::vector<int8_t> c(m * c_stride, 0x55), ref(m * c_stride, 0x55);
    const size_t bb = gemm_block_bytes(k, kc);
    for (size_t b = 0; b * k.nr < n; b++)
      for (size_t r = 0; r < m; r += k.mr)
        k.fn(std::min<size_t>(k.mr, m - r), std::min<size_t>(k.nr, n - b * k.nr), kc, a16.data() + r * a_stride,
             a_stride, packed.data() + b * bb, c.data() + r * c_stride + b * k.nr, c_stride, &p);
    for (size_t r = 0; r < m; r++)
      for (size_t o = 0; o < n; o++) {
        int32_t acc = bias[o];
        for (size_t i = 0; i < kd; i++) acc += (int32_t(a8[r * kd + i]) - za) * (int32_t(w8[o * kd + i]) - zw[o]);
        ref[r * c_stride + o] = requantize_float(acc, q[o], p.zero_point, p.min, p.max);
      }
    ctr.check(c == ref, std::string(k.name) + " m=" + std::to_string(m) + " n=" + std::to_string(n) + " k=" + std::to_string(kd));
  }
}

int main(int argc, char** argv) {
  farmtest::Counter ctr;
  std::mt19937 rng(42);
  int ran = 0;
  for (const GemmKernel& k : gemm_kernels()) {
    if (argc > 1 && std::strcmp(argv[1], k.name) != 0) continue;
    test_kernel(k, ctr, rng);
    ran++;
  }
  ctr.check(ran > 0, "no kernel matched");
  return ctr.finish("qs8-gemm");
}
