// qs8 depthwise convolution, 8 channels per step, NEON. Raw int8 inputs widened to
// int16 times int16 weights (vmlal_s16); the input zero point is folded into the bias.
#include <arm_neon.h>

#include <cstring>

#include "../kernels.h"
#include "../requant-neon.h"

namespace farm {

void qs8_dwconv_8c_neon(size_t channels, size_t output_width, size_t taps, const int8_t** input,
                        size_t input_stride, const void* w, int8_t* output, size_t output_stride,
                        const OutputParams* params) {
  const size_t block_bytes = 8 * 8 + 2 * taps * 8;
  const int32x4_t zp = vdupq_n_s32(params->zero_point);
  const float32x4_t lo = vdupq_n_f32(float(params->min - params->zero_point));
  const float32x4_t hi = vdupq_n_f32(float(params->max - params->zero_point));
  const int8x8_t blo = vdup_n_s8(int8_t(params->min)), bhi = vdup_n_s8(int8_t(params->max));
  for (size_t x = 0; x < output_width; x++) {
    const uint8_t* blk = static_cast<const uint8_t*>(w);
    for (size_t c0 = 0; c0 < channels; c0 += 8) {
      const int32_t* wb = reinterpret_cast<const int32_t*>(blk);
      int32x4_t acc0 = vld1q_s32(wb), acc1 = vld1q_s32(wb + 4);
      const int16_t* wt = reinterpret_cast<const int16_t*>(wb + 16);
      for (size_t t = 0; t < taps; t++) {
        const int16x8_t xi = vmovl_s8(vld1_s8(input[t] + c0));
        const int16x8_t wv = vld1q_s16(wt);
        acc0 = vmlal_s16(acc0, vget_low_s16(xi), vget_low_s16(wv));
        acc1 = vmlal_high_s16(acc1, xi, wv);
        wt += 8;
      }
      const float* sc = reinterpret_cast<const float*>(wb + 8);
      const int8x8_t out = pack8_neon(requant_float_neon(acc0, vld1q_f32(sc), lo, hi),
                                      requant_float_neon(acc1, vld1q_f32(sc + 4), lo, hi), zp, blo, bhi);
      const size_t cn = channels - c0;
      if (cn >= 8) {
        vst1_s8(output + c0, out);
      } else {
        int8_t tmp[8];
        vst1_s8(tmp, out);
        std::memcpy(output + c0, tmp, cn);
      }
      blk += block_bytes;
    }
    input += input_stride;
    output += output_stride;
  }
}

}  // namespace farm
