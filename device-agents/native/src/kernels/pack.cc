// Load-time weight packing for the GEMM and depthwise kernels (layouts in kernels.h).
#include <cmath>
#include <cstring>

#include "kernels.h"

namespace farm {

void pack_gemm_weights(const GemmKernel& k, size_t n, size_t kdim, const int16_t* w, const int32_t* bias,
                       const float* scale, std::vector<uint8_t>& out, size_t& kc_out) {
  const size_t kc = round_up(kdim, k.kr);
  const size_t nr = k.nr, kr = k.kr;
  const size_t blocks = (n + nr - 1) / nr;
  const size_t bb = gemm_block_bytes(k, kc);
  out.assign(blocks * bb + 64, 0);
  for (size_t b = 0; b < blocks; b++) {
    uint8_t* blk = out.data() + b * bb;
    int32_t* pb = reinterpret_cast<int32_t*>(blk);
    float* ps = reinterpret_cast<float*>(blk + 4 * nr);
    int16_t* pw = reinterpret_cast<int16_t*>(blk + 8 * nr);
    for (size_t j = 0; j < nr; j++) {
      const size_t col = b * nr + j;
      if (col >= n) continue;  // zero padding: scale 0 gives 0, never stored
      pb[j] = bias ? bias[col] : 0;
      ps[j] = scale[col];
      for (size_t kk = 0; kk < kdim; kk++) pw[(kk / kr) * nr * kr + j * kr + (kk % kr)] = w[col * kdim + kk];
    }
  }
  kc_out = kc;
}

void pack_gemm_weights(const GemmKernel& k, size_t n, size_t kdim, const int16_t* w, const int32_t* bias,
                       const QuantMultiplier* q, std::vector<uint8_t>& out, size_t& kc_out) {
  std::vector<float> scale(n);
  for (size_t i = 0; i < n; i++) scale[i] = float(std::ldexp(double(q[i].multiplier), -q[i].shift));
  pack_gemm_weights(k, n, kdim, w, bias, scale.data(), out, kc_out);
}

void pack_dwconv_weights(const DwconvKernel& k, size_t channels, size_t taps, const int16_t* w,
                         const int32_t* bias, const float* scale, int32_t input_zero_point,
                         std::vector<uint8_t>& out) {
  const size_t cr = k.cr;
  const size_t blocks = (channels + cr - 1) / cr;
  const size_t bb = dwconv_block_bytes(k, taps);
  out.assign(blocks * bb + 64, 0);
  for (size_t b = 0; b < blocks; b++) {
    uint8_t* blk = out.data() + b * bb;
    int32_t* pb = reinterpret_cast<int32_t*>(blk);
    float* ps = reinterpret_cast<float*>(blk + 4 * cr);
    uint8_t* pw = blk + 8 * cr;
    for (size_t j = 0; j < cr; j++) {
      const size_t c = b * cr + j;
      if (c >= channels) continue;
      // The kernels multiply raw inputs; folding -z_x * sum(w) into the bias makes that
      // equal to sum((x - z_x) * w), and padding taps read z_x so they add nothing.
      int32_t wsum = 0;
      for (size_t t = 0; t < taps; t++) {
        const int16_t v = w[t * channels + c];
        wsum += v;
        if (k.weight_bytes == 2) {
          reinterpret_cast<int16_t*>(pw)[t * cr + j] = v;
        } else {
          reinterpret_cast<int32_t*>(pw)[t * cr + j] = v;
        }
      }
      pb[j] = (bias ? bias[c] : 0) - input_zero_point * wsum;
      ps[j] = scale[c];
    }
  }
}

void make_vadd_params(float a_scale, int32_t a_zp, float b_scale, int32_t b_zp, float y_scale, int32_t y_zp,
                      int32_t min, int32_t max, VaddParams& p) {
  const double twice_max = 2.0 * (double(a_scale) > double(b_scale) ? double(a_scale) : double(b_scale));
  p.a_zero_point = a_zp;
  p.b_zero_point = b_zp;
  p.y_zero_point = y_zp;
  p.a = quantize_multiplier(double(a_scale) / twice_max);
  p.b = quantize_multiplier(double(b_scale) / twice_max);
  p.y = quantize_multiplier(twice_max / (double(1 << 20) * double(y_scale)));
  p.min = min;
  p.max = max;
}

}  // namespace farm
