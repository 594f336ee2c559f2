// Micro-kernel interfaces and the packed-weight layouts they share with their packers.
// Each kernel lives in its own file named <datatype>/<tile>-<isa>.cc and has a scalar
// twin with the same tile and packing; test/ checks every kernel against a naive
// reference on random, deliberately odd shapes.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "requant.h"

namespace farm {

// Output stage shared by GEMM and depthwise kernels: per-channel multipliers live in
// the packed weights, these per-tensor values ride alongside.
struct OutputParams {
  int32_t zero_point;
  int32_t min;  // clamp bounds in the int8 domain
  int32_t max;
};

// ---------------------------------------------------------------- qs8-gemm
// C[mr x nc] = requant(A[mr x kc] * W[kc x nc] + bias), mr <= MR, nc <= NR.
// A is int16: the activations minus their zero point, so asymmetric inputs and
// weights need no correction terms and uint8/int8 inputs look the same. Rows are
// a_stride elements apart and zero-padded from K up to kc (a multiple of KR).
// One packed block (pack_gemm_weights) holds, for NR output channels:
//   int32 bias[NR], float scale[NR] (requantize_float's scale),
//   int16 w[kc/KR][NR][KR]   (weights minus their zero point, zero padded)
using GemmUkernelFn = void (*)(size_t mr, size_t nc, size_t kc, const int16_t* a, size_t a_stride,
                               const void* w, int8_t* c, size_t c_stride, const OutputParams* params);

struct GemmKernel {
  const char* name;
  GemmUkernelFn fn;
  uint32_t mr, nr, kr;
};

inline size_t round_up(size_t x, size_t m) { return (x + m - 1) / m * m; }

inline size_t gemm_block_bytes(const GemmKernel& k, size_t kc) {
  return 8 * size_t(k.nr) + 2 * kc * k.nr;
}

// w: [N][K] int16 weights already minus their zero point. Returns 64-byte aligned blocks.
void pack_gemm_weights(const GemmKernel& k, size_t n, size_t kdim, const int16_t* w, const int32_t* bias,
                       const float* scale, std::vector<uint8_t>& out, size_t& kc_out);
// Same, from fixed-point multipliers (scale = M * 2^-shift, rounded to float); kept for
// callers built against the earlier packing API (bench/native-gemm).
void pack_gemm_weights(const GemmKernel& k, size_t n, size_t kdim, const int16_t* w, const int32_t* bias,
                       const QuantMultiplier* q, std::vector<uint8_t>& out, size_t& kc_out);

// ---------------------------------------------------------------- qs8-dwconv
// Depthwise convolution over output_width pixels. input holds, per pixel, `taps`
// pointers to the C int8 channels of the input pixel under each tap (or to a buffer
// filled with the input zero point for padding); it advances by input_stride pointers
// per pixel. Kernels may read up to CR-1 bytes past the last channel of any pixel.
// One packed block (pack_dwconv_weights) per CR channels:
//   int32 bias[CR] (minus z_x * sum of taps' weights), float scale[CR],
//   then w[taps][CR] as int16 or int32 (weight_bytes).
using DwconvUkernelFn = void (*)(size_t channels, size_t output_width, size_t taps, const int8_t** input,
                                 size_t input_stride, const void* w, int8_t* output, size_t output_stride,
                                 const OutputParams* params);

struct DwconvKernel {
  const char* name;
  DwconvUkernelFn fn;
  uint32_t cr;
  uint32_t weight_bytes;
};

inline size_t dwconv_block_bytes(const DwconvKernel& k, size_t taps) {
  return 8 * size_t(k.cr) + size_t(k.weight_bytes) * taps * k.cr;
}

// w: [taps][C] int16 weights minus their zero point.
void pack_dwconv_weights(const DwconvKernel& k, size_t channels, size_t taps, const int16_t* w,
                         const int32_t* bias, const float* scale, int32_t input_zero_point,
                         std::vector<uint8_t>& out);

// ---------------------------------------------------------------- qs8-vadd
// TFLite's int8 Add: both inputs shifted left by 20 bits, rescaled to a common scale,
// summed, then rescaled to the output.
struct VaddParams {
  int32_t a_zero_point, b_zero_point, y_zero_point;
  QuantMultiplier a, b, y;
  int32_t min, max;
};
void make_vadd_params(float a_scale, int32_t a_zp, float b_scale, int32_t b_zp, float y_scale, int32_t y_zp,
                      int32_t min, int32_t max, VaddParams& p);

using VaddUkernelFn = void (*)(size_t n, const int8_t* a, const int8_t* b, int8_t* y, const VaddParams* p);

struct VaddKernel {
  const char* name;
  VaddUkernelFn fn;
};

inline int8_t vadd_scalar_one(int8_t a, int8_t b, const VaddParams& p) {
  const int32_t sa = multiply_by_quantized_multiplier((int32_t(a) - p.a_zero_point) * (1 << 20), p.a);
  const int32_t sb = multiply_by_quantized_multiplier((int32_t(b) - p.b_zero_point) * (1 << 20), p.b);
  int32_t v = multiply_by_quantized_multiplier(sa + sb, p.y) + p.y_zero_point;
  v = v < p.min ? p.min : v;
  v = v > p.max ? p.max : v;
  return static_cast<int8_t>(v);
}

// ---------------------------------------------------------------- f32-qs8-vcvt
// ONNX QuantizeLinear into the int8 domain: y = clamp(round_half_even(x / scale) + zp),
// with MLAS's arithmetic (float division, clamp in float before the conversion; a NaN
// input gives -128). zero_point is the int8-domain zero point.
struct QuantizeParams {
  float scale;
  int32_t zero_point;
};

inline int8_t quantize_scalar_one(float x, const QuantizeParams& p) {
  float f = x / p.scale;
  const float lo = float(-128 - p.zero_point), hi = float(127 - p.zero_point);
  f = f > lo ? f : lo;
  f = f < hi ? f : hi;
  return static_cast<int8_t>(static_cast<int32_t>(std::nearbyint(f)) + p.zero_point);
}

using F32Qs8VcvtFn = void (*)(size_t n, const float* x, int8_t* y, const QuantizeParams* p);

struct F32Qs8VcvtKernel {
  const char* name;
  F32Qs8VcvtFn fn;
};

// ---------------------------------------------------------------- registry
// Kernels compiled into this binary, best first; index 0 is what the runtime uses.
const std::vector<GemmKernel>& gemm_kernels();
const std::vector<DwconvKernel>& dwconv_kernels();
const std::vector<VaddKernel>& vadd_kernels();
const std::vector<F32Qs8VcvtKernel>& f32_qs8_vcvt_kernels();
const char* build_isa();  // "avx2", "neondot", "neon" or "scalar"

// The scalar twins, always present, for tests and for --isa scalar.
const GemmKernel& scalar_gemm_kernel();
const DwconvKernel& scalar_dwconv_kernel();
const VaddKernel& scalar_vadd_kernel();
const F32Qs8VcvtKernel& scalar_f32_qs8_vcvt_kernel();

}  // namespace farm
