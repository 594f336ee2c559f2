// NEON forms of the requantization in requant.h, bit-exact with the scalar ones.
#pragma once
#include <arm_neon.h>

namespace farm {

// requantize_float without the zero point (lo/hi are the bounds minus it). scvtf rounds
// to nearest even under the default FPCR; vcvtnq always rounds half to even.
static inline int32x4_t requant_float_neon(int32x4_t acc, float32x4_t scale, float32x4_t lo, float32x4_t hi) {
  const float32x4_t f = vmulq_f32(vcvtq_f32_s32(acc), scale);
  return vcvtnq_s32_f32(vminq_f32(vmaxq_f32(f, lo), hi));
}

// multiply_by_quantized_multiplier: exact 64-bit product, then one rounding shift
// (vrshl by a negative count adds 2^(shift-1) before the arithmetic shift).
static inline int32x4_t requant_fixed_neon(int32x4_t acc, int32x4_t mult, int64x2_t neg_shift) {
  const int64x2_t lo = vrshlq_s64(vmull_s32(vget_low_s32(acc), vget_low_s32(mult)), neg_shift);
  const int64x2_t hi = vrshlq_s64(vmull_high_s32(acc, mult), neg_shift);
  return vcombine_s32(vmovn_s64(lo), vmovn_s64(hi));
}

// 8 int32 (two vectors) plus zero point -> 8 clamped int8.
static inline int8x8_t pack8_neon(int32x4_t v0, int32x4_t v1, int32x4_t zp, int8x8_t lo, int8x8_t hi) {
  const int16x8_t p16 = vcombine_s16(vqmovn_s32(vaddq_s32(v0, zp)), vqmovn_s32(vaddq_s32(v1, zp)));
  return vmin_s8(vmax_s8(vqmovn_s16(p16), lo), hi);
}

}  // namespace farm
