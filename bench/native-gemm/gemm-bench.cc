// Measures, single-threaded and side by side:
//  1. the int8 MAC peak of the instruction pair the AVX2 GEMM kernel is built on
//     (vpmaddwd ymm + vpaddd ymm, register-only, 8 independent accumulators so both
//     multiply ports stay busy), and
//  2. the qs8-gemm/4x16c2-avx2 kernel's throughput on square shapes, driven exactly as
//     the runtime drives it (int16 A panels of ~64 KiB, every weight block per panel).
// Prints measured numbers only; efficiency = kernel GOPS / peak GOPS.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "kernels.h"

using namespace farm;
using Clock = std::chrono::steady_clock;

static double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// One iteration = 8 vpmaddwd (16 int16 MACs each) + 8 vpaddd.
static double peak_gops(long iters) {
  const auto t0 = Clock::now();
  asm volatile(
      "vpxor %%ymm8, %%ymm8, %%ymm8\n\t"
      "vpxor %%ymm9, %%ymm9, %%ymm9\n\t"
      "vpxor %%ymm10, %%ymm10, %%ymm10\n\t"
      "vpxor %%ymm11, %%ymm11, %%ymm11\n\t"
      "vpxor %%ymm12, %%ymm12, %%ymm12\n\t"
      "vpxor %%ymm13, %%ymm13, %%ymm13\n\t"
      "vpxor %%ymm14, %%ymm14, %%ymm14\n\t"
      "vpxor %%ymm15, %%ymm15, %%ymm15\n\t"
      "vpcmpeqd %%ymm0, %%ymm0, %%ymm0\n\t"
      "vpcmpeqd %%ymm1, %%ymm1, %%ymm1\n\t"
      "1:\n\t"
      "vpmaddwd %%ymm0, %%ymm1, %%ymm2\n\t"
      "vpaddd %%ymm2, %%ymm8, %%ymm8\n\t"
      "vpmaddwd %%ymm0, %%ymm1, %%ymm3\n\t"
      "vpaddd %%ymm3, %%ymm9, %%ymm9\n\t"
      "vpmaddwd %%ymm0, %%ymm1, %%ymm4\n\t"
      "vpaddd %%ymm4, %%ymm10, %%ymm10\n\t"
      "vpmaddwd %%ymm0, %%ymm1, %%ymm5\n\t"
      "vpaddd %%ymm5, %%ymm11, %%ymm11\n\t"
      "vpmaddwd %%ymm0, %%ymm1, %%ymm6\n\t"
      "vpaddd %%ymm6, %%ymm12, %%ymm12\n\t"
      "vpmaddwd %%ymm0, %%ymm1, %%ymm7\n\t"
      "vpaddd %%ymm7, %%ymm13, %%ymm13\n\t"
      "vpmaddwd %%ymm0, %%ymm1, %%ymm2\n\t"
      "vpaddd %%ymm2, %%ymm14, %%ymm14\n\t"
      "vpmaddwd %%ymm0, %%ymm1, %%ymm3\n\t"
      "vpaddd %%ymm3, %%ymm15, %%ymm15\n\t"
      "dec %0\n\t"
      "jnz 1b\n\t"
      "vzeroupper\n\t"
      : "+r"(iters)
      :
      : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
        "xmm12", "xmm13", "xmm14", "xmm15", "cc");
  return seconds_since(t0);
}

int main() {
  const long iters = 200000000;
  peak_gops(iters / 10);  // wake the clocks up
  double best = 1e9;
  for (int i = 0; i < 3; i++) best = std::min(best, peak_gops(iters));
  const double peak = double(iters) * 8 * 16 * 2 / best / 1e9;  // ops = 2 per MAC
  std::printf("peak vpmaddwd+vpaddd (ymm, register-only): %.1f GOPS (%.2f GMAC/s)\n", peak, peak / 2);

  const GemmKernel* kernel = nullptr;
  for (const auto& k : gemm_kernels())
    if (std::strcmp(k.name, "qs8-gemm/4x16c2-avx2") == 0) kernel = &k;
  if (!kernel) {
    std::printf("AVX2 kernel not compiled in\n");
    return 1;
  }
  std::mt19937 rng(1);
  std::printf("%-22s %6s %6s %6s %10s %10s %8s\n", "kernel", "M", "N", "K", "ms", "GOPS", "eff%");
  for (size_t s : {256, 512, 768, 1024}) {
    const size_t m = s, n = s, k = s;
    std::vector<int16_t> w16(n * k);
    for (auto& v : w16) v = int16_t(int(rng() % 255) - 127);
    std::vector<int32_t> bias(n, 0);
    std::vector<QuantMultiplier> q(n, quantize_multiplier(1.0 / 4096));
    std::vector<uint8_t> packed;
    size_t kc = 0;
    pack_gemm_weights(*kernel, n, k, w16.data(), bias.data(), q.data(), packed, kc);
    std::vector<int16_t> a(m * kc);
    for (auto& v : a) v = int16_t(int(rng() % 255) - 127);
    std::vector<int8_t> c(m * n);
    OutputParams p{0, -128, 127};
    const size_t bb = gemm_block_bytes(*kernel, kc);
    size_t mc = std::max<size_t>(kernel->mr, (64 * 1024) / (kc * 2) / kernel->mr * kernel->mr);
    auto run = [&]() {
      for (size_t m0 = 0; m0 < m; m0 += mc) {
        const size_t rows = std::min(mc, m - m0);
        for (size_t b = 0; b * kernel->nr < n; b++)
          for (size_t r = 0; r < rows; r += kernel->mr)
            kernel->fn(std::min<size_t>(kernel->mr, rows - r), std::min<size_t>(kernel->nr, n - b * kernel->nr), kc,
                       a.data() + (m0 + r) * kc, kc, packed.data() + b * bb, c.data() + (m0 + r) * n + b * kernel->nr,
                       n, &p);
      }
    };
    run();
    const int reps = int(std::max<size_t>(3, (size_t(2) << 30) / (m * n * k)));
    double t_best = 1e9;
    for (int rep = 0; rep < reps; rep++) {
      const auto t0 = Clock::now();
      run();
      t_best = std::min(t_best, seconds_since(t0));
    }
    const double gops = 2.0 * double(m) * double(n) * double(k) / t_best / 1e9;
    std::printf("%-22s %6zu %6zu %6zu %10.3f %10.1f %7.1f%%\n", kernel->name, m, n, k, t_best * 1e3, gops,
                100.0 * gops / peak);
  }
  return 0;
}
