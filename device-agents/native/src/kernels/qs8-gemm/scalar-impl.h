// Portable body of the scalar GEMM twins; each tile is instantiated in its own file.
#pragma once
#include <cstring>

#include "../kernels.h"

namespace farm {

template <size_t MR, size_t NR, size_t KR>
void gemm_scalar_tile(size_t mr, size_t nc, size_t kc, const int16_t* a, size_t a_stride, const void* w,
                      int8_t* c, size_t c_stride, const OutputParams* params) {
  const int32_t* bias = static_cast<const int32_t*>(w);
  const float* scale = reinterpret_cast<const float*>(bias + NR);
  const int16_t* wp = reinterpret_cast<const int16_t*>(scale + NR);
  int32_t acc[MR][NR];
  for (size_t m = 0; m < MR; m++)
    for (size_t n = 0; n < NR; n++) acc[m][n] = bias[n];
  for (size_t k0 = 0; k0 < kc; k0 += KR) {
    for (size_t m = 0; m < mr; m++) {
      const int16_t* ar = a + m * a_stride + k0;
      for (size_t n = 0; n < NR; n++) {
        int32_t s = 0;
        for (size_t k = 0; k < KR; k++) s += int32_t(ar[k]) * int32_t(wp[n * KR + k]);
        acc[m][n] += s;
      }
    }
    wp += NR * KR;
  }
  for (size_t m = 0; m < mr; m++) {
    int8_t* cr = c + m * c_stride;
    for (size_t n = 0; n < nc; n++)
      cr[n] = requantize_float(acc[m][n], scale[n], params->zero_point, params->min, params->max);
  }
}

}  // namespace farm
