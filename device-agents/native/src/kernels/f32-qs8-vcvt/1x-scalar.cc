// Scalar twin of the float -> int8 quantize kernels, one element at a time.
#include "../kernels.h"

namespace farm {
void f32_qs8_vcvt_1x_scalar(size_t n, const float* x, int8_t* y, const QuantizeParams* p) {
  for (size_t i = 0; i < n; i++) y[i] = quantize_scalar_one(x[i], *p);
}
}  // namespace farm
