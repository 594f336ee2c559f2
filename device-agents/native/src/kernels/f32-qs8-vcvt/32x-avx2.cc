// float -> int8 quantize (ONNX QuantizeLinear as MLAS computes it: divide, clamp in
// float, round half to even), 32 elements per step, AVX2. Writes exactly n bytes and
// reads exactly n floats (the tail goes through a stack buffer).
#include <immintrin.h>

#include <cstring>

#include "../kernels.h"

namespace farm {

static inline __m256i cvt8(const float* x, __m256 s, __m256 lo, __m256 hi) {
  // max(f, lo) with f first: a NaN input becomes lo, as in the scalar twin.
  const __m256 f = _mm256_div_ps(_mm256_loadu_ps(x), s);
  return _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(f, lo), hi));
}

void f32_qs8_vcvt_32x_avx2(size_t n, const float* x, int8_t* y, const QuantizeParams* p) {
  const __m256 s = _mm256_set1_ps(p->scale);
  const __m256 lo = _mm256_set1_ps(float(-128 - p->zero_point)), hi = _mm256_set1_ps(float(127 - p->zero_point));
  const __m256i zp = _mm256_set1_epi16(int16_t(p->zero_point));
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  alignas(32) float tail[32];
  for (size_t i = 0; i < n; i += 32) {
    const float* src = x + i;
    const size_t cnt = n - i < 32 ? n - i : 32;
    if (cnt < 32) {
      std::memset(tail, 0, sizeof(tail));
      std::memcpy(tail, src, cnt * sizeof(float));
      src = tail;
    }
    // int32 -> int16 (values are within [-128 - zp, 127 - zp], no saturation), add the
    // zero point in int16, then saturate to int8; packs interleave 128-bit lanes, which
    // the final permute undoes.
    const __m256i a = _mm256_adds_epi16(_mm256_packs_epi32(cvt8(src, s, lo, hi), cvt8(src + 8, s, lo, hi)), zp);
    const __m256i b = _mm256_adds_epi16(_mm256_packs_epi32(cvt8(src + 16, s, lo, hi), cvt8(src + 24, s, lo, hi)), zp);
    const __m256i out = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(a, b), order);
    if (cnt == 32) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + i), out);
    } else {
      alignas(32) int8_t tmp[32];
      _mm256_store_si256(reinterpret_cast<__m256i*>(tmp), out);
      std::memcpy(y + i, tmp, cnt);
    }
  }
}

}  // namespace farm
