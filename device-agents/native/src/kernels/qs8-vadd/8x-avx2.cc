// qs8 Add (TFLite algorithm), 8 elements per step, AVX2. May read up to 7 bytes past
// the end of a and b (runtime buffers carry slack); writes exactly n bytes.
#include <immintrin.h>

#include <cstring>

#include "../kernels.h"
#include "../requant-avx2.h"

namespace farm {

void qs8_vadd_8x_avx2(size_t n, const int8_t* a, const int8_t* b, int8_t* y, const VaddParams* p) {
  const __m256i za = _mm256_set1_epi32(p->a_zero_point), zb = _mm256_set1_epi32(p->b_zero_point);
  const __m256i zy = _mm256_set1_epi32(p->y_zero_point);
  const FixedAvx2 qa = fixed_avx2_params(p->a.multiplier, p->a.shift);
  const FixedAvx2 qb = fixed_avx2_params(p->b.multiplier, p->b.shift);
  const FixedAvx2 qy = fixed_avx2_params(p->y.multiplier, p->y.shift);
  const __m128i lo = _mm_set1_epi8(int8_t(p->min)), hi = _mm_set1_epi8(int8_t(p->max));
  for (size_t i = 0; i < n; i += 8) {
    const __m256i va = _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(a + i)));
    const __m256i vb = _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(b + i)));
    const __m256i sa = requant_fixed_avx2(_mm256_slli_epi32(_mm256_sub_epi32(va, za), 20), qa);
    const __m256i sb = requant_fixed_avx2(_mm256_slli_epi32(_mm256_sub_epi32(vb, zb), 20), qb);
    const __m256i v = _mm256_add_epi32(requant_fixed_avx2(_mm256_add_epi32(sa, sb), qy), zy);
    const __m128i out = pack16_avx2(v, v, lo, hi);
    if (n - i >= 8) {
      _mm_storel_epi64(reinterpret_cast<__m128i*>(y + i), out);
    } else {
      alignas(16) int8_t tmp[16];
      _mm_store_si128(reinterpret_cast<__m128i*>(tmp), out);
      std::memcpy(y + i, tmp, n - i);
    }
  }
}

}  // namespace farm
