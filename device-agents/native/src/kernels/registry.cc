// Build-time ISA dispatch: CMake defines FARM_HAVE_AVX2 / FARM_HAVE_NEON /
// FARM_HAVE_NEONDOT for the target, and the best kernel compiled in comes first.
#include "kernels.h"

namespace farm {

void qs8_gemm_4x16c2_scalar(size_t, size_t, size_t, const int16_t*, size_t, const void*, int8_t*, size_t,
                            const OutputParams*);
void qs8_gemm_4x8c2_scalar(size_t, size_t, size_t, const int16_t*, size_t, const void*, int8_t*, size_t,
                           const OutputParams*);
void qs8_dwconv_16c_scalar(size_t, size_t, size_t, const int8_t**, size_t, const void*, int8_t*, size_t,
                           const OutputParams*);
void qs8_dwconv_8c_scalar(size_t, size_t, size_t, const int8_t**, size_t, const void*, int8_t*, size_t,
                          const OutputParams*);
void qs8_vadd_1x_scalar(size_t, const int8_t*, const int8_t*, int8_t*, const VaddParams*);
void f32_qs8_vcvt_1x_scalar(size_t, const float*, int8_t*, const QuantizeParams*);
#ifdef FARM_HAVE_AVX2
void qs8_gemm_4x16c2_avx2(size_t, size_t, size_t, const int16_t*, size_t, const void*, int8_t*, size_t,
                          const OutputParams*);
void qs8_dwconv_16c_avx2(size_t, size_t, size_t, const int8_t**, size_t, const void*, int8_t*, size_t,
                         const OutputParams*);
void qs8_vadd_8x_avx2(size_t, const int8_t*, const int8_t*, int8_t*, const VaddParams*);
void f32_qs8_vcvt_32x_avx2(size_t, const float*, int8_t*, const QuantizeParams*);
#endif
#ifdef FARM_HAVE_NEON
void qs8_gemm_4x8c2_neon(size_t, size_t, size_t, const int16_t*, size_t, const void*, int8_t*, size_t,
                         const OutputParams*);
void qs8_dwconv_8c_neon(size_t, size_t, size_t, const int8_t**, size_t, const void*, int8_t*, size_t,
                        const OutputParams*);
void qs8_vadd_8x_neon(size_t, const int8_t*, const int8_t*, int8_t*, const VaddParams*);
void f32_qs8_vcvt_16x_neon(size_t, const float*, int8_t*, const QuantizeParams*);
#endif

static const GemmKernel kGemmScalarWide{"qs8-gemm/4x16c2-scalar", qs8_gemm_4x16c2_scalar, 4, 16, 2};
static const GemmKernel kGemmScalarNarrow{"qs8-gemm/4x8c2-scalar", qs8_gemm_4x8c2_scalar, 4, 8, 2};
static const DwconvKernel kDwScalar32{"qs8-dwconv/16c-scalar", qs8_dwconv_16c_scalar, 16, 4};
static const DwconvKernel kDwScalar16{"qs8-dwconv/8c-scalar", qs8_dwconv_8c_scalar, 8, 2};
static const VaddKernel kVaddScalar{"qs8-vadd/1x-scalar", qs8_vadd_1x_scalar};
static const F32Qs8VcvtKernel kVcvtScalar{"f32-qs8-vcvt/1x-scalar", f32_qs8_vcvt_1x_scalar};

const std::vector<GemmKernel>& gemm_kernels() {
  static const std::vector<GemmKernel> k = {
#ifdef FARM_HAVE_AVX2
      {"qs8-gemm/4x16c2-avx2", qs8_gemm_4x16c2_avx2, 4, 16, 2},
#endif
#ifdef FARM_HAVE_NEON
      {"qs8-gemm/4x8c2-neon", qs8_gemm_4x8c2_neon, 4, 8, 2},
#endif
      kGemmScalarWide, kGemmScalarNarrow};
  return k;
}

const std::vector<DwconvKernel>& dwconv_kernels() {
  static const std::vector<DwconvKernel> k = {
#ifdef FARM_HAVE_AVX2
      {"qs8-dwconv/16c-avx2", qs8_dwconv_16c_avx2, 16, 4},
#endif
#ifdef FARM_HAVE_NEON
      {"qs8-dwconv/8c-neon", qs8_dwconv_8c_neon, 8, 2},
#endif
      kDwScalar32, kDwScalar16};
  return k;
}

const std::vector<VaddKernel>& vadd_kernels() {
  static const std::vector<VaddKernel> k = {
#ifdef FARM_HAVE_AVX2
      {"qs8-vadd/8x-avx2", qs8_vadd_8x_avx2},
#endif
#ifdef FARM_HAVE_NEON
      {"qs8-vadd/8x-neon", qs8_vadd_8x_neon},
#endif
      kVaddScalar};
  return k;
}

const std::vector<F32Qs8VcvtKernel>& f32_qs8_vcvt_kernels() {
  static const std::vector<F32Qs8VcvtKernel> k = {
#ifdef FARM_HAVE_AVX2
      {"f32-qs8-vcvt/32x-avx2", f32_qs8_vcvt_32x_avx2},
#endif
#ifdef FARM_HAVE_NEON
      {"f32-qs8-vcvt/16x-neon", f32_qs8_vcvt_16x_neon},
#endif
      kVcvtScalar};
  return k;
}

const char* build_isa() {
#if defined(FARM_HAVE_AVX2)
  return "avx2";
#elif defined(FARM_HAVE_NEONDOT)
  return "neondot";
#elif defined(FARM_HAVE_NEON)
  return "neon";
#else
  return "scalar";
#endif
}

const GemmKernel& scalar_gemm_kernel() { return kGemmScalarWide; }
const DwconvKernel& scalar_dwconv_kernel() { return kDwScalar32; }
const VaddKernel& scalar_vadd_kernel() { return kVaddScalar; }
const F32Qs8VcvtKernel& scalar_f32_qs8_vcvt_kernel() { return kVcvtScalar; }

}  // namespace farm
