// Measures, single-threaded and side by side:
//  1. the int8 MAC peak of the instruction pair the AVX2 GEMM kernel is built on
//     (vpmaddwd ymm + vpaddd ymm, register-only, 8 independent accumulators so both
//     multiply ports stay busy), and
//  2. the qs8-gemm/4x16c2-avx2 kernel's throughput on square shapes, driven exactly as
//     the runtime drives it (int16 A panels of ~64 KiB, every weight block per panel).
// Prints measured numbers only; efficiency = kernel GOPS / peak GOPS, paired per repetition.
#include <chrono>
#include <cstdio>
#include <cstdlib>
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

// Usage: gemm-bench [REPS]. Prints one raw line per repetition and shape:
//   rep <r> kernel <name> M <m> N <n> K <k> ms <best ms> kernel_gops <g> peak_gops <p>
// Each repetition measures the peak (best of 5 x ~6 ms) right before the kernel (best of ~60 ms of runs), so both figures of a
// line come from the same CPU speed spell; run.sh turns the lines into medians with 95% intervals.
int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 15;
  const long iters = 4000000;  // ~6 ms of vpmaddwd+vpaddd at ~160 GOPS; the peak is the best of 5
  peak_gops(iters * 25);       // wake the clocks up
  const GemmKernel* kernel = nullptr;
  for (const auto& k : gemm_kernels())
    if (std::strcmp(k.name, "qs8-gemm/4x16c2-avx2") == 0) kernel = &k;
  if (!kernel) {
    std::printf("AVX2 kernel not compiled in\n");
    return 1;
  }
  struct Shape {
    size_t m, n, k;
    std::vector<uint8_t> packed;
    size_t kc = 0;
    std::vector<int16_t> a;
    std::vector<int8_t> c;
  };
  std::mt19937 rng(1);
  std::vector<Shape> shapes;
  for (size_t s : {256, 512, 768, 1024}) {
    Shape sh{s, s, s, {}, 0, {}, {}};
    std::vector<int16_t> w16(sh.n * sh.k);
    for (auto& v : w16) v = int16_t(int(rng() % 255) - 127);
    std::vector<int32_t> bias(sh.n, 0);
    std::vector<QuantMultiplier> q(sh.n, quantize_multiplier(1.0 / 4096));
    pack_gemm_weights(*kernel, sh.n, sh.k, w16.data(), bias.data(), q.data(), sh.packed, sh.kc);
    sh.a.resize(sh.m * sh.kc);
    for (auto& v : sh.a) v = int16_t(int(rng() % 255) - 127);
    sh.c.resize(sh.m * sh.n);
    shapes.push_back(std::move(sh));
  }
  const OutputParams p{0, -128, 127};
  auto run = [&](Shape& sh) {
    const size_t bb = gemm_block_bytes(*kernel, sh.kc);
    const size_t mc = std::max<size_t>(kernel->mr, (64 * 1024) / (sh.kc * 2) / kernel->mr * kernel->mr);
    for (size_t m0 = 0; m0 < sh.m; m0 += mc) {
      const size_t rows = std::min(mc, sh.m - m0);
      for (size_t b = 0; b * kernel->nr < sh.n; b++)
        for (size_t r = 0; r < rows; r += kernel->mr)
          kernel->fn(std::min<size_t>(kernel->mr, rows - r), std::min<size_t>(kernel->nr, sh.n - b * kernel->nr), sh.kc,
                     sh.a.data() + (m0 + r) * sh.kc, sh.kc, sh.packed.data() + b * bb,
                     sh.c.data() + (m0 + r) * sh.n + b * kernel->nr, sh.n, &p);
    }
  };
  for (auto& sh : shapes) run(sh);
  for (int rep = 0; rep < reps; rep++) {
    for (auto& sh : shapes) {
      double p_best = 1e9;
      for (int i = 0; i < 5; i++) p_best = std::min(p_best, peak_gops(iters));
      const double peak = double(iters) * 8 * 16 * 2 / p_best / 1e9;  // ops = 2 per MAC
      // Best of as many kernel runs as fit in ~60 ms at full speed (at least 3).
      const int inner = int(std::max<size_t>(3, (size_t(64) << 20) / (sh.m * sh.n * sh.k / 64)));
      double t_best = 1e9;
      for (int i = 0; i < inner; i++) {
        const auto t0 = Clock::now();
        run(sh);
        t_best = std::min(t_best, seconds_since(t0));
      }
      const double gops = 2.0 * double(sh.m) * double(sh.n) * double(sh.k) / t_best / 1e9;
      std::printf("rep %d kernel %s M %zu N %zu K %zu ms %.4f kernel_gops %.2f peak_gops %.2f\n", rep, kernel->name, sh.m,
                  sh.n, sh.k, t_best * 1e3, gops, peak);
    }
  }
  return 0;
}
