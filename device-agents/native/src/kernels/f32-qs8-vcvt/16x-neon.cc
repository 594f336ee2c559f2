// float -> int8 quantize (ONNX QuantizeLinear as MLAS computes it: divide, clamp in
// float, round half to even), 16 elements per step, NEON. Reads exactly n floats.
#include <arm_neon.h>

#include <cstring>

#include "../kernels.h"

namespace farm {

void f32_qs8_vcvt_16x_neon(size_t n, const float* x, int8_t* y, const QuantizeParams* p) {
  const float32x4_t s = vdupq_n_f32(p->scale);
  const float32x4_t lo = vdupq_n_f32(float(-128 - p->zero_point)), hi = vdupq_n_f32(float(127 - p->zero_point));
  const int16x8_t zp = vdupq_n_s16(int16_t(p->zero_point));
  float tail[16];
  for (size_t i = 0; i < n; i += 16) {
    const float* src = x + i;
    const size_t cnt = n - i < 16 ? n - i : 16;
    if (cnt < 16) {
      std::memset(tail, 0, sizeof(tail));
      std::memcpy(tail, src, cnt * sizeof(float));
      src = tail;
    }
    int32x4_t v[4];
    for (int j = 0; j < 4; j++) {
      // vmaxnm returns the number when the other operand is NaN: NaN -> lo, as the scalar twin.
      const float32x4_t f = vdivq_f32(vld1q_f32(src + 4 * j), s);
      v[j] = vcvtnq_s32_f32(vminnmq_f32(vmaxnmq_f32(f, lo), hi));
    }
    const int16x8_t a = vqaddq_s16(vcombine_s16(vmovn_s32(v[0]), vmovn_s32(v[1])), zp);
    const int16x8_t b = vqaddq_s16(vcombine_s16(vmovn_s32(v[2]), vmovn_s32(v[3])), zp);
    const int8x16_t out = vcombine_s8(vqmovn_s16(a), vqmovn_s16(b));
    if (cnt == 16) {
      vst1q_s8(y + i, out);
    } else {
      int8_t tmp[16];
      vst1q_s8(tmp, out);
      std::memcpy(y + i, tmp, cnt);
    }
  }
}

}  // namespace farm
