// Checks every depthwise micro-kernel against a naive reference: random channel counts
// (not multiples of the channel tile), tap counts, padding taps and pixel strides.
#include <cstring>
#include <vector>

#include "kernels.h"
#include "test-util.h"

using namespace farm;

static void test_kernel(const DwconvKernel& k, farmtest::Counter& ctr, std::mt19937& rng) {
  auto rnd = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int iter = 0; iter < 300; iter++) {
    const size_t c = size_t(rnd(1, 3 * k.cr + 5)), taps = size_t(rnd(1, 25)), width = size_t(rnd(1, 9));
    const int32_t zx = rnd(-128, 127);
    const size_t pixels = 12;
    std::vector<int8_t> x(pixels * c + 64), zero(c + 64, int8_t(zx));
    for (auto& v : x) v = int8_t(rnd(-128, 127));
    std::vector<int16_t> w16(taps * c);
    std::vector<int32_t> bias(c);
    std::vector<float> q(c);
    for (size_t ch = 0; ch < c; ch++) {
      const int32_t zw = iter % 4 == 0 ? rnd(-128, 127) : 0;
      for (size_t t = 0; t < taps; t++) w16[t * c + ch] = int16_t(rnd(-128, 127) - zw);
      bias[ch] = rnd(-30000, 30000);
      q[ch] = float(iter % 9 == 0   ? std::ldexp(1.0 + rnd(0, 999) / 1000.0, rnd(0, 2))
                    : iter % 5 == 0 ? std::ldexp(1.0, -rnd(1, 3))  // exact ties
                                    : std::ldexp(1.0 + rnd(0, 999) / 1000.0, -rnd(4, 16)));
    }
    std::vector<uint8_t> packed;
    pack_dwconv_weights(k, c, taps, w16.data(), bias.data(), q.data(), zx, packed);
    const size_t in_stride = taps + size_t(rnd(0, 2));
    std::vector<const int8_t*> ind(width * in_stride);
    for (auto& p : ind) p = rnd(0, 5) == 0 ? zero.data() : x.data() + size_t(rnd(0, int(pixels) - 1)) * c;
    OutputParams p{rnd(-20, 20), rnd(-128, -50), rnd(50, 127)};
    const size_t out_stride = c + size_t(rnd(0, 4));
    std::vector<int8_t> y(width * out_stride, 0x33), ref(width * out_stride, 0x33);
    k.fn(c, width, taps, ind.data(), in_stride, packed.data(), y.data(), out_stride, &p);
    for (size_t px = 0; px < width; px++)
      for (size_t ch = 0; ch < c; ch++) {
        int32_t acc = bias[ch];
        for (size_t t = 0; t < taps; t++) acc += (int32_t(ind[px * in_stride + t][ch]) - zx) * w16[t * c + ch];
        ref[px * out_stride + ch] = requantize_float(acc, q[ch], p.zero_point, p.min, p.max);
      }
    ctr.check(y == ref, std::string(k.name) + " c=" + std::to_string(c) + " taps=" + std::to_string(taps) +
                            " width=" + std::to_string(width));
  }
}

int main(int argc, char** argv) {
  farmtest::Counter ctr;
  std::mt19937 rng(7);
  int ran = 0;
  for (const DwconvKernel& k : dwconv_kernels()) {
    if (argc > 1 && std::strcmp(argv[1], k.name) != 0) continue;
    test_kernel(k, ctr, rng);
    ran++;
  }
  ctr.check(ran > 0, "no kernel matched");
  return ctr.finish("qs8-dwconv");
}
