// qs8 Add (TFLite algorithm), 8 elements per step, NEON. May read up to 7 bytes past
// the end of a and b (runtime buffers carry slack); writes exactly n bytes.
#include <arm_neon.h>

#include <cstring>

#include "../kernels.h"
#include "../requant-neon.h"

namespace farm {

void qs8_vadd_8x_neon(size_t n, const int8_t* a, const int8_t* b, int8_t* y, const VaddParams* p) {
  const int16x8_t za = vdupq_n_s16(int16_t(p->a_zero_point)), zb = vdupq_n_s16(int16_t(p->b_zero_point));
  const int32x4_t zy = vdupq_n_s32(p->y_zero_point);
  const int32x4_t ma = vdupq_n_s32(p->a.multiplier), mb = vdupq_n_s32(p->b.multiplier), my = vdupq_n_s32(p->y.multiplier);
  const int64x2_t ra = vdupq_n_s64(-p->a.shift), rb = vdupq_n_s64(-p->b.shift), ry = vdupq_n_s64(-p->y.shift);
  const int8x8_t lo = vdup_n_s8(int8_t(p->min)), hi = vdup_n_s8(int8_t(p->max));
  for (size_t i = 0; i < n; i += 8) {
    const int16x8_t va = vsubq_s16(vmovl_s8(vld1_s8(a + i)), za);
    const int16x8_t vb = vsubq_s16(vmovl_s8(vld1_s8(b + i)), zb);
    const int32x4_t sa0 = requant_fixed_neon(vshlq_n_s32(vmovl_s16(vget_low_s16(va)), 20), ma, ra);
    const int32x4_t sa1 = requant_fixed_neon(vshlq_n_s32(vmovl_high_s16(va), 20), ma, ra);
    const int32x4_t sb0 = requant_fixed_neon(vshlq_n_s32(vmovl_s16(vget_low_s16(vb)), 20), mb, rb);
    const int32x4_t sb1 = requant_fixed_neon(vshlq_n_s32(vmovl_high_s16(vb), 20), mb, rb);
    const int8x8_t out = pack8_neon(requant_fixed_neon(vaddq_s32(sa0, sb0), my, ry),
                                    requant_fixed_neon(vaddq_s32(sa1, sb1), my, ry), zy, lo, hi);
    if (n - i >= 8) {
      vst1_s8(y + i, out);
    } else {
      int8_t tmp[8];
      vst1_s8(tmp, out);
      std::memcpy(y + i, tmp, n - i);
    }
  }
}

}  // namespace farm
