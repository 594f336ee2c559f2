// Scalar twin of 4x8c2-neon: same tile and packing, portable C++.
#include "scalar-impl.h"

namespace farm {
void qs8_gemm_4x8c2_scalar(size_t mr, size_t nc, size_t kc, const int16_t* a, size_t a_stride, const void* w,
                           int8_t* c, size_t c_stride, const OutputParams* params) {
  gemm_scalar_tile<4, 8, 2>(mr, nc, kc, a, a_stride, w, c, c_stride, params);
}
}  // namespace farm
