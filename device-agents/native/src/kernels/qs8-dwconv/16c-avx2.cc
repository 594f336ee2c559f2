// qs8 depthwise convolution, 16 channels per step, AVX2. Inputs are sign-extended to
// int32 and multiplied by int32 weights (vpmulld): exact for any weight zero point, and
// the zero-point correction is already folded into the packed bias.
#include <immintrin.h>

#include <cstring>

#include "../kernels.h"
#include "../requant-avx2.h"

namespace farm {

void qs8_dwconv_16c_avx2(size_t channels, size_t output_width, size_t taps, const int8_t** input,
                         size_t input_stride, const void* w, int8_t* output, size_t output_stride,
                         const OutputParams* params) {
  const size_t block_bytes = 8 * 16 + 4 * taps * 16;
  const __m256i zp = _mm256_set1_epi32(params->zero_point);
  const __m256 lo = _mm256_set1_ps(float(params->min - params->zero_point));
  const __m256 hi = _mm256_set1_ps(float(params->max - params->zero_point));
  for (size_t x = 0; x < output_width; x++) {
    const uint8_t* blk = static_cast<const uint8_t*>(w);
    for (size_t c0 = 0; c0 < channels; c0 += 16) {
      const int32_t* wb = reinterpret_cast<const int32_t*>(blk);
      __m256i acc0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wb));
      __m256i acc1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wb + 8));
      const int32_t* wt = wb + 32;
      for (size_t t = 0; t < taps; t++) {
        const int8_t* ip = input[t] + c0;
        const __m256i x0 = _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(ip)));
        const __m256i x1 = _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(ip + 8)));
        acc0 = _mm256_add_epi32(acc0, _mm256_mullo_epi32(x0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wt))));
        acc1 = _mm256_add_epi32(acc1, _mm256_mullo_epi32(x1, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wt + 8))));
        wt += 16;
      }
      const float* sc = reinterpret_cast<const float*>(wb + 16);
      const __m256i v0 = _mm256_add_epi32(requant_float_avx2(acc0, _mm256_loadu_ps(sc), lo, hi), zp);
      const __m256i v1 = _mm256_add_epi32(requant_float_avx2(acc1, _mm256_loadu_ps(sc + 8), lo, hi), zp);
      const __m128i out = pack16_noclamp_avx2(v0, v1);
      const size_t cn = channels - c0;
      if (cn >= 16) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(output + c0), out);
      } else {
        alignas(16) int8_t tmp[16];
        _mm_store_si128(reinterpret_cast<__m128i*>(tmp), out);
        std::memcpy(output + c0, tmp, cn);
      }
      blk += block_bytes;
    }
    input += input_stride;
    output += output_stride;
  }
}

}  // namespace farm
