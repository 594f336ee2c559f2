// Scalar twin of 16c-avx2: 16-channel blocks, int32 weights.
#include "scalar-impl.h"

namespace farm {
void qs8_dwconv_16c_scalar(size_t channels, size_t output_width, size_t taps, const int8_t** input,
                           size_t input_stride, const void* w, int8_t* output, size_t output_stride,
                           const OutputParams* params) {
  dwconv_scalar_tile<16, int32_t>(channels, output_width, taps, input, input_stride, w, output, output_stride,
                                  params);
}
}  // namespace farm
