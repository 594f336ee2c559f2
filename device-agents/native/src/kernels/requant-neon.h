// NEON form of MultiplyByQuantizedMultiplier (requant.h), bit-exact with the scalar one.
// vqrdmulh is exactly (x*M + 2^30) >> 31 for M > 0; the rounding divide uses the
// gemmlowp fixup (subtract 1 from negatives, then a rounding shift) to round ties away
// from zero.
#pragma once
#include <arm_neon.h>

namespace farm {

static inline int32x4_t requant_neon(int32x4_t acc, int32x4_t mult, int32x4_t lshift, int32x4_t rshift) {
  const int32x4_t x = vshlq_s32(acc, lshift);
  const int32x4_t h = vqrdmulhq_s32(x, mult);
  const int32x4_t neg = vnegq_s32(rshift);
  const int32x4_t fixup = vshrq_n_s32(vandq_s32(h, neg), 31);
  return vrshlq_s32(vqaddq_s32(h, fixup), neg);
}

// 8 int32 (two vectors) plus zero point -> 8 clamped int8.
static inline int8x8_t pack8_neon(int32x4_t v0, int32x4_t v1, int32x4_t zp, int8x8_t lo, int8x8_t hi) {
  const int16x8_t p16 = vcombine_s16(vqmovn_s32(vaddq_s32(v0, zp)), vqmovn_s32(vaddq_s32(v1, zp)));
  return vmin_s8(vmax_s8(vqmovn_s16(p16), lo), hi);
}

}  // namespace farm
