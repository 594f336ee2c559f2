// Scalar twin of the vector Add kernels, one element at a time.
#include "../kernels.h"

namespace farm {
void qs8_vadd_1x_scalar(size_t n, const int8_t* a, const int8_t* b, int8_t* y, const VaddParams* p) {
  for (size_t i = 0; i < n; i++) y[i] = vadd_scalar_one(a[i], b[i], *p);
}
}  // namespace farm
