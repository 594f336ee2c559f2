// Portable body of the scalar depthwise twins; each channel tile has its own file.
#pragma once
#include "../kernels.h"

namespace farm {

template <size_t CR, typename WT>
void dwconv_scalar_tile(size_t channels, size_t output_width, size_t taps, const int8_t** input,
                        size_t input_stride, const void* w, int8_t* output, size_t output_stride,
                        const OutputParams* params) {
  const size_t block_bytes = 8 * CR + sizeof(WT) * taps * CR;
  for (size_t x = 0; x < output_width; x++) {
    const uint8_t* blk = static_cast<const uint8_t*>(w);
    for (size_t c0 = 0; c0 < channels; c0 += CR) {
      const int32_t* bias = reinterpret_cast<const int32_t*>(blk);
      const float* scale = reinterpret_cast<const float*>(bias + CR);
      const WT* wt = reinterpret_cast<const WT*>(scale + CR);
      const size_t cn = channels - c0 < CR ? channels - c0 : CR;
      for (size_t c = 0; c < cn; c++) {
        int32_t acc = bias[c];
        for (size_t t = 0; t < taps; t++) acc += int32_t(input[t][c0 + c]) * int32_t(wt[t * CR + c]);
        output[c0 + c] = requantize_float(acc, scale[c], params->zero_point, params->min, params->max);
      }
      blk += block_bytes;
    }
    input += input_stride;
    output += output_stride;
  }
}

}  // namespace farm
