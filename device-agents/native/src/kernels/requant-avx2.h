// AVX2 forms of the requantization in requant.h, bit-exact with the scalar ones.
// Include only from files built with -mavx2.
#pragma once
#include <immintrin.h>

#include <cstdint>

namespace farm {

// requantize_float without the zero point: lo/hi are the clamp bounds minus the zero
// point, as floats. vcvtps2dq rounds half to even under the default MXCSR.
static inline __m256i requant_float_avx2(__m256i acc, __m256 scale, __m256 lo, __m256 hi) {
  const __m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(acc), scale);
  return _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(f, lo), hi));
}

// multiply_by_quantized_multiplier with one multiplier and shift for all 8 lanes.
// AVX2 has no 64-bit arithmetic right shift: adding 2^62 makes the (|p| < 2^62 + 2^61)
// sum non-negative, a logical shift then floors it, and 2^(62-shift) is taken back off;
// exact because 2^62 is a multiple of 2^shift.
static inline __m256i requant_fixed_avx2(__m256i acc, __m256i mult, __m128i shift, __m256i bias64,
                                         __m256i unbias64) {
  const __m256i pe = _mm256_add_epi64(_mm256_mul_epi32(acc, mult), bias64);
  const __m256i po = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(acc, 32), mult), bias64);
  const __m256i re = _mm256_sub_epi64(_mm256_srl_epi64(pe, shift), unbias64);
  const __m256i ro = _mm256_sub_epi64(_mm256_srl_epi64(po, shift), unbias64);
  return _mm256_blend_epi32(re, _mm256_slli_epi64(ro, 32), 0xAA);
}

struct FixedAvx2 {
  __m256i mult, bias64, unbias64;
  __m128i shift;
};

static inline FixedAvx2 fixed_avx2_params(int32_t multiplier, int32_t shift) {
  FixedAvx2 f;
  f.mult = _mm256_set1_epi32(multiplier);
  f.bias64 = _mm256_set1_epi64x((int64_t(1) << 62) + (int64_t(1) << (shift - 1)));
  f.unbias64 = _mm256_set1_epi64x(int64_t(1) << (62 - shift));
  f.shift = _mm_cvtsi32_si128(shift);
  return f;
}

static inline __m256i requant_fixed_avx2(__m256i acc, const FixedAvx2& f) {
  return requant_fixed_avx2(acc, f.mult, f.shift, f.bias64, f.unbias64);
}

// Two vectors of 8 int32 (channels 0-7, 8-15) -> 16 int8 in channel order, clamped.
static inline __m128i pack16_avx2(__m256i v0, __m256i v1, __m128i lo, __m128i hi) {
  const __m256i p16 = _mm256_permute4x64_epi64(_mm256_packs_epi32(v0, v1), 0xD8);
  const __m128i p8 = _mm_packs_epi16(_mm256_castsi256_si128(p16), _mm256_extracti128_si256(p16, 1));
  return _mm_min_epi8(_mm_max_epi8(p8, lo), hi);
}

// Same without the clamp, for values the float requantization already clamped.
static inline __m128i pack16_noclamp_avx2(__m256i v0, __m256i v1) {
  const __m256i p16 = _mm256_permute4x64_epi64(_mm256_packs_epi32(v0, v1), 0xD8);
  return _mm_packs_epi16(_mm256_castsi256_si128(p16), _mm256_extracti128_si256(p16, 1));
}

}  // namespace farm
