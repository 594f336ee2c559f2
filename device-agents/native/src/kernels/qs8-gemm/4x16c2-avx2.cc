// qs8 GEMM, 4 rows x 16 output channels, K consumed in pairs (c2), AVX2.
// Operands arrive as int16 (activations and weights minus their zero points), so the
// inner loop is only broadcast-load, vpmaddwd and vpaddd: 8 vpmaddwd (128 MACs) per
// K pair with 6 loads. vpmaddubsw is avoided on purpose: its int16 saturation breaks
// exactness for full-range int8 weights.
#include <immintrin.h>

#include <cstring>

#include "../kernels.h"
#include "../requant-avx2.h"

namespace farm {

static inline __m256i bcast_pair(const int16_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm256_set1_epi32(v);
}

void qs8_gemm_4x16c2_avx2(size_t mr, size_t nc, size_t kc, const int16_t* a, size_t a_stride, const void* w,
                          int8_t* c, size_t c_stride, const OutputParams* params) {
  const int32_t* wb = static_cast<const int32_t*>(w);
  // Rows past mr alias the last valid row: computed, never stored.
  const int16_t* a0 = a;
  const int16_t* a1 = mr > 1 ? a0 + a_stride : a0;
  const int16_t* a2 = mr > 2 ? a1 + a_stride : a1;
  const int16_t* a3 = mr > 3 ? a2 + a_stride : a2;
  __m256i acc00 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wb));
  __m256i acc01 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wb + 8));
  __m256i acc10 = acc00, acc11 = acc01, acc20 = acc00, acc21 = acc01, acc30 = acc00, acc31 = acc01;
  const int16_t* wp = reinterpret_cast<const int16_t*>(wb + 32);
  for (size_t k = 0; k < kc; k += 2) {
    const __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wp));
    const __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wp + 16));
    wp += 32;
    const __m256i va0 = bcast_pair(a0 + k);
    acc00 = _mm256_add_epi32(acc00, _mm256_madd_epi16(va0, b0));
    acc01 = _mm256_add_epi32(acc01, _mm256_madd_epi16(va0, b1));
    const __m256i va1 = bcast_pair(a1 + k);
    acc10 = _mm256_add_epi32(acc10, _mm256_madd_epi16(va1, b0));
    acc11 = _mm256_add_epi32(acc11, _mm256_madd_epi16(va1, b1));
    const __m256i va2 = bcast_pair(a2 + k);
    acc20 = _mm256_add_epi32(acc20, _mm256_madd_epi16(va2, b0));
    acc21 = _mm256_add_epi32(acc21, _mm256_madd_epi16(va2, b1));
    const __m256i va3 = bcast_pair(a3 + k);
    acc30 = _mm256_add_epi32(acc30, _mm256_madd_epi16(va3, b0));
    acc31 = _mm256_add_epi32(acc31, _mm256_madd_epi16(va3, b1));
  }
  const __m256 s0 = _mm256_loadu_ps(reinterpret_cast<const float*>(wb + 16));
  const __m256 s1 = _mm256_loadu_ps(reinterpret_cast<const float*>(wb + 24));
  const __m256i zp = _mm256_set1_epi32(params->zero_point);
  const __m256 lo = _mm256_set1_ps(float(params->min - params->zero_point));
  const __m256 hi = _mm256_set1_ps(float(params->max - params->zero_point));
  __m256i accs[4][2] = {{acc00, acc01}, {acc10, acc11}, {acc20, acc21}, {acc30, acc31}};
  for (size_t r = 0; r < mr; r++) {
    const __m256i v0 = _mm256_add_epi32(requant_float_avx2(accs[r][0], s0, lo, hi), zp);
    const __m256i v1 = _mm256_add_epi32(requant_float_avx2(accs[r][1], s1, lo, hi), zp);
    const __m128i out = pack16_noclamp_avx2(v0, v1);
    int8_t* cr = c + r * c_stride;
    if (nc == 16) {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(cr), out);
    } else {
      alignas(16) int8_t tmp[16];
      _mm_store_si128(reinterpret_cast<__m128i*>(tmp), out);
      std::memcpy(cr, tmp, nc);
    }
  }
}

}  // namespace farm
