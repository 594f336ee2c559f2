// qs8 GEMM, 4 rows x 8 output channels, K consumed in pairs (c2), NEON (armv8-a).
// int16 operands (zero points already subtracted) go through vmlal_s16 into per-pair
// accumulators; one pairwise add per column pair at the end folds the two K lanes.
// 16 accumulators + 2 weight vectors + 1 activation vector fit the 32 q registers.
#include <arm_neon.h>

#include <cstring>

#include "../kernels.h"
#include "../requant-neon.h"

namespace farm {

void qs8_gemm_4x8c2_neon(size_t mr, size_t nc, size_t kc, const int16_t* a, size_t a_stride, const void* w,
                         int8_t* c, size_t c_stride, const OutputParams* params) {
  const int32_t* wb = static_cast<const int32_t*>(w);
  const int16_t* ap[4];
  ap[0] = a;
  ap[1] = mr > 1 ? ap[0] + a_stride : ap[0];
  ap[2] = mr > 2 ? ap[1] + a_stride : ap[1];
  ap[3] = mr > 3 ? ap[2] + a_stride : ap[2];
  int32x4_t acc[4][4];
  for (int r = 0; r < 4; r++)
    for (int j = 0; j < 4; j++) acc[r][j] = vdupq_n_s32(0);
  const int16_t* wp = reinterpret_cast<const int16_t*>(wb + 16);
  for (size_t k = 0; k < kc; k += 2) {
    const int16x8_t b0 = vld1q_s16(wp);
    const int16x8_t b1 = vld1q_s16(wp + 8);
    wp += 16;
    for (int r = 0; r < 4; r++) {
      int32_t pair;
      std::memcpy(&pair, ap[r] + k, 4);
      const int16x8_t va = vreinterpretq_s16_s32(vdupq_n_s32(pair));
      acc[r][0] = vmlal_s16(acc[r][0], vget_low_s16(va), vget_low_s16(b0));
      acc[r][1] = vmlal_high_s16(acc[r][1], va, b0);
      acc[r][2] = vmlal_s16(acc[r][2], vget_low_s16(va), vget_low_s16(b1));
      acc[r][3] = vmlal_high_s16(acc[r][3], va, b1);
    }
  }
  const int32x4_t bias0 = vld1q_s32(wb), bias1 = vld1q_s32(wb + 4);
  const float* sc = reinterpret_cast<const float*>(wb + 8);
  const float32x4_t s0 = vld1q_f32(sc), s1 = vld1q_f32(sc + 4);
  const int32x4_t zp = vdupq_n_s32(params->zero_point);
  const float32x4_t lo = vdupq_n_f32(float(params->min - params->zero_point));
  const float32x4_t hi = vdupq_n_f32(float(params->max - params->zero_point));
  const int8x8_t blo = vdup_n_s8(int8_t(params->min)), bhi = vdup_n_s8(int8_t(params->max));
  for (size_t r = 0; r < mr; r++) {
    const int32x4_t a0 = vaddq_s32(vpaddq_s32(acc[r][0], acc[r][1]), bias0);
    const int32x4_t a1 = vaddq_s32(vpaddq_s32(acc[r][2], acc[r][3]), bias1);
    const int8x8_t out = pack8_neon(requant_float_neon(a0, s0, lo, hi), requant_float_neon(a1, s1, lo, hi), zp, blo, bhi);
    int8_t* cr = c + r * c_stride;
    if (nc == 8) {
      vst1_s8(cr, out);
    } else {
      int8_t tmp[8];
      vst1_s8(tmp, out);
      std::memcpy(cr, tmp, nc);
    }
  }
}

}  // namespace farm
