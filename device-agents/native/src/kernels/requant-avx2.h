// AVX2 form of MultiplyByQuantizedMultiplier (requant.h), bit-exact with the scalar one,
// for 8 int32 lanes with per-lane multiplier and shifts. Include only from files built
// with -mavx2.
#pragma once
#include <immintrin.h>

namespace farm {

static inline __m256i requant_avx2(__m256i acc, __m256i mult, __m256i lshift, __m256i rshift) {
  const __m256i x = _mm256_sllv_epi32(acc, lshift);
  const __m256i half = _mm256_set1_epi64x(int64_t(1) << 30);
  // 32x32->64 products of the even lanes, then of the odd lanes moved down.
  const __m256i pe = _mm256_add_epi64(_mm256_mul_epi32(x, mult), half);
  const __m256i po = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), _mm256_srli_epi64(mult, 32)), half);
  // Bits 31..62 are the result; a logical shift is fine because the upper half is dropped.
  const __m256i he = _mm256_srli_epi64(pe, 31);
  const __m256i ho = _mm256_slli_epi64(po, 1);
  const __m256i h = _mm256_blend_epi32(he, ho, 0xAA);
  // Rounding divide by 2^rshift, half away from zero.
  const __m256i one = _mm256_set1_epi32(1);
  const __m256i mask = _mm256_sub_epi32(_mm256_sllv_epi32(one, rshift), one);
  const __m256i rem = _mm256_and_si256(h, mask);
  const __m256i thr = _mm256_sub_epi32(_mm256_srai_epi32(mask, 1), _mm256_srai_epi32(h, 31));
  return _mm256_sub_epi32(_mm256_srav_epi32(h, rshift), _mm256_cmpgt_epi32(rem, thr));
}

// Two vectors of 8 int32 (channels 0-7, 8-15) -> 16 int8 in channel order, clamped.
static inline __m128i pack16_avx2(__m256i v0, __m256i v1, __m128i lo, __m128i hi) {
  const __m256i p16 = _mm256_permute4x64_epi64(_mm256_packs_epi32(v0, v1), 0xD8);
  const __m128i p8 = _mm_packs_epi16(_mm256_castsi256_si128(p16), _mm256_extracti128_si256(p16, 1));
  return _mm_min_epi8(_mm_max_epi8(p8, lo), hi);
}

}  // namespace farm
