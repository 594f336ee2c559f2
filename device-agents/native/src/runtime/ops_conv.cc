// Convolution (GEMM over im2col rows, or the depthwise kernel) and fully-connected ops.
// Weights are converted to int16 minus their zero point and packed once, at load time.
#include <algorithm>
#include <cstring>

#include "ops.h"

namespace farm {

namespace {

const Tensor& need_quant_activation(Runtime& rt, int id, const std::string& op, const char* role) {
  Tensor& t = rt.tensor(id);
  if (!t.quantized || (t.dtype != DType::I8 && t.dtype != DType::U8))
    fail("quant_mismatch", "op '" + op + "': " + role + " '" + t.name + "' must be int8/uint8");
  if (t.axis >= 0) fail("quant_mismatch", "op '" + op + "': activation '" + t.name + "' must be per-tensor");
  return t;
}

// Weight zero point / scale of output channel o, per-channel or per-tensor.
int32_t wzp(const Tensor& w, size_t o) { return w.axis >= 0 ? w.zp_at(o) : w.zp(); }
float wscale(const Tensor& w, size_t o) { return w.axis >= 0 ? w.scales[o] : w.scales[0]; }

const int32_t* bias_data(Runtime& rt, const json& node, size_t n, const std::string& op) {
  const auto& ins = node.at("inputs");
  if (ins.size() < 3 || ins[2].is_null() || ins[2].get<int>() < 0) return nullptr;
  Tensor& b = rt.tensor(ins[2].get<int>());
  if (b.dtype != DType::I32 || !b.is_const || b.numel() != n)
    fail("bad_plan", "op '" + op + "': bias '" + b.name + "' must be a constant int32 of " + std::to_string(n));
  return reinterpret_cast<const int32_t*>(b.data());
}

// Runs the GEMM kernel over rows [0, m) of A for every block of output channels.
void run_gemm(const GemmKernel& k, size_t m, size_t n, size_t kc, const int16_t* a, const uint8_t* packed,
              int8_t* c, size_t c_stride, const OutputParams& p) {
  const size_t bb = gemm_block_bytes(k, kc);
  const size_t blocks = (n + k.nr - 1) / k.nr;
  for (size_t b = 0; b < blocks; b++) {
    const size_t nc = std::min<size_t>(k.nr, n - b * k.nr);
    const uint8_t* w = packed + b * bb;
    for (size_t r = 0; r < m; r += k.mr) {
      k.fn(std::min<size_t>(k.mr, m - r), nc, kc, a + r * kc, kc, w, c + r * c_stride + b * k.nr, c_stride, &p);
    }
  }
}

// Rows per im2col chunk: keeps the int16 A panel around 64 KiB so it stays in L2
// while every block of weights streams past it.
size_t chunk_rows(const GemmKernel& k, size_t kc, size_t m) {
  size_t mc = (64 * 1024) / (kc * 2);
  mc = std::max<size_t>(k.mr, mc / k.mr * k.mr);
  return std::min(mc, round_up(m, k.mr));
}

class GemmConvOp : public Op {
 public:
  GemmConvOp(Runtime& rt, const json& node, const Tensor& x, const Tensor& w, Tensor& y, int64_t groups,
             std::vector<int64_t> strides, std::vector<int64_t> pads, std::vector<int64_t> dil)
      : rt_(rt), x_(x), y_(y), groups_(groups), strides_(strides), pads_(pads), dil_(dil) {
    kernel_ = rt.force_scalar() ? scalar_gemm_kernel() : gemm_kernels()[0];
    n_ = x.shape[0]; h_ = x.shape[1]; wd_ = x.shape[2]; c_ = x.shape[3];
    o_ = w.shape[0]; kh_ = w.shape[1]; kw_ = w.shape[2]; cg_ = w.shape[3];
    oh_ = y.shape[1]; ow_ = y.shape[2];
    og_ = o_ / groups_;
    kdim_ = size_t(kh_ * kw_ * cg_);
    const std::string op = node.value("name", "conv2d");
    const int32_t* bias = bias_data(rt, node, size_t(o_), op);
    const int8_t* wd = reinterpret_cast<const int8_t*>(w.data());
    packed_.resize(groups_);
    for (int64_t g = 0; g < groups_; g++) {
      std::vector<int16_t> w16(size_t(og_) * kdim_);
      std::vector<float> q(og_);
      for (int64_t oo = 0; oo < og_; oo++) {
        const size_t o = size_t(g * og_ + oo);
        for (size_t k = 0; k < kdim_; k++) w16[oo * kdim_ + k] = int16_t(wd[o * kdim_ + k] - wzp(w, o));
        q[oo] = conv_output_scale(x.scale(), wscale(w, o), y.scale());
      }
      pack_gemm_weights(kernel_, size_t(og_), kdim_, w16.data(), bias ? bias + g * og_ : nullptr, q.data(),
                        packed_[g], kc_);
    }
    output_clamp(node.value("attrs", json::object()), y, params_.min, params_.max);
    params_.zero_point = y.zp();
    m_ = size_t(n_ * oh_ * ow_);
    mc_ = chunk_rows(kernel_, kc_, m_);
    rt.reserve_scratch16(mc_ * kc_ + 64);
  }

  void run() override {
    const int8_t* x = reinterpret_cast<const int8_t*>(x_.data());
    int8_t* y = reinterpret_cast<int8_t*>(y_.data());
    const int16_t zx = int16_t(x_.zp());
    int16_t* a = rt_.scratch16().data();
    for (int64_t g = 0; g < groups_; g++) {
      for (size_t m0 = 0; m0 < m_; m0 += mc_) {
        const size_t mc = std::min(mc_, m_ - m0);
        int64_t ox = int64_t(m0 % ow_), oy = int64_t((m0 / ow_) % oh_), n = int64_t(m0 / (ow_ * oh_));
        for (size_t r = 0; r < mc; r++) {
          int16_t* ar = a + r * kc_;
          const int64_t ix0 = ox * strides_[1] - pads_[1];
          // With one group and no horizontal dilation, a kernel row's taps are one
          // contiguous NHWC span: convert it in a single vectorizable loop (the per-tap
          // loop dominated convs with few input channels, e.g. 3-channel stems).
          const bool span = groups_ == 1 && dil_[1] == 1 && ix0 >= 0 && ix0 + kw_ <= wd_;
          for (int64_t ky = 0; ky < kh_; ky++) {
            const int64_t iy = oy * strides_[0] - pads_[0] + ky * dil_[0];
            if (span && iy >= 0 && iy < h_) {
              const int8_t* src = x + ((n * h_ + iy) * wd_ + ix0) * c_;
              int16_t* dst = ar + ky * kw_ * cg_;
              const int64_t len = kw_ * cg_;
              for (int64_t i = 0; i < len; i++) dst[i] = int16_t(src[i] - zx);
              continue;
            }
            for (int64_t kx = 0; kx < kw_; kx++) {
              const int64_t ix = ox * strides_[1] - pads_[1] + kx * dil_[1];
              int16_t* dst = ar + (ky * kw_ + kx) * cg_;
              if (iy < 0 || iy >= h_ || ix < 0 || ix >= wd_) {
                std::memset(dst, 0, size_t(cg_) * 2);
              } else {
                const int8_t* src = x + ((n * h_ + iy) * wd_ + ix) * c_ + g * cg_;
                for (int64_t c = 0; c < cg_; c++) dst[c] = int16_t(src[c] - zx);
              }
            }
          }
          for (size_t k = kdim_; k < kc_; k++) ar[k] = 0;
          if (++ox == ow_) {
            ox = 0;
            if (++oy == oh_) {
              oy = 0;
              ++n;
            }
          }
        }
        run_gemm(kernel_, mc, size_t(og_), kc_, a, packed_[g].data(), y + m0 * o_ + g * og_, size_t(o_), params_);
      }
    }
  }

 private:
  Runtime& rt_;
  const Tensor& x_;
  Tensor& y_;
  GemmKernel kernel_;
  int64_t groups_;
  std::vector<int64_t> strides_, pads_, dil_;
  int64_t n_, h_, wd_, c_, o_, kh_, kw_, cg_, oh_, ow_, og_;
  size_t kdim_ = 0, kc_ = 0, m_ = 0, mc_ = 0;
  std::vector<std::vector<uint8_t>> packed_;
  OutputParams params_{};
};

class DepthwiseOp : public Op {
 public:
  // w16: [taps][C*M] int16 minus zero point; per output channel scales in wscales.
  DepthwiseOp(Runtime& rt, const json& node, const Tensor& x, Tensor& y, int64_t kh, int64_t kw, int64_t mult,
              const std::vector<int16_t>& w16, const std::vector<float>& wscales, std::vector<int64_t> strides,
              std::vector<int64_t> pads, std::vector<int64_t> dil)
      : x_(x), y_(y), mult_(mult) {
    kernel_ = rt.force_scalar() ? scalar_dwconv_kernel() : dwconv_kernels()[0];
    const int64_t n = x.shape[0], h = x.shape[1], w = x.shape[2], c = x.shape[3];
    oh_ = y.shape[1];
    ow_ = y.shape[2];
    oc_ = c * mult;
    taps_ = size_t(kh * kw);
    const int32_t* bias = bias_data(rt, node, size_t(oc_), node.value("name", "depthwise_conv2d"));
    std::vector<float> q(oc_);
    for (int64_t o = 0; o < oc_; o++) q[o] = conv_output_scale(x.scale(), wscales[o], y.scale());
    pack_dwconv_weights(kernel_, size_t(oc_), taps_, w16.data(), bias, q.data(), x.zp(), packed_);
    output_clamp(node.value("attrs", json::object()), y, params_.min, params_.max);
    params_.zero_point = y.zp();
    zero_.assign(size_t(oc_) + 64, int8_t(x.zp()));
    // With a depth multiplier the kernel reads an input whose channels are already
    // repeated M times, so output channel c*M+m lines up with its input channel.
    const int8_t* base;
    if (mult_ > 1) {
      expanded_.assign(size_t(n * h * w * oc_) + 64, 0);
      base = expanded_.data();
    } else {
      base = reinterpret_cast<const int8_t*>(x.data());
    }
    // The indirection buffer is built once: activation buffers never move after load.
    indirection_.resize(size_t(n * oh_ * ow_) * taps_);
    size_t i = 0;
    for (int64_t b = 0; b < n; b++)
      for (int64_t oy = 0; oy < oh_; oy++)
        for (int64_t ox = 0; ox < ow_; ox++)
          for (int64_t ky = 0; ky < kh; ky++)
            for (int64_t kx = 0; kx < kw; kx++) {
              const int64_t iy = oy * strides[0] - pads[0] + ky * dil[0];
              const int64_t ix = ox * strides[1] - pads[1] + kx * dil[1];
              indirection_[i++] = (iy < 0 || iy >= h || ix < 0 || ix >= w)
                                      ? zero_.data()
                                      : base + ((b * h + iy) * w + ix) * oc_;
            }
    rows_ = size_t(n * oh_);
  }

  void run() override {
    if (mult_ > 1) {
      const int8_t* x = reinterpret_cast<const int8_t*>(x_.data());
      const size_t pixels = x_.numel() / size_t(x_.shape[3]);
      const size_t c = size_t(x_.shape[3]);
      for (size_t p = 0; p < pixels; p++)
        for (size_t ci = 0; ci < c; ci++)
          for (int64_t m = 0; m < mult_; m++) expanded_[(p * c + ci) * mult_ + m] = x[p * c + ci];
    }
    int8_t* y = reinterpret_cast<int8_t*>(y_.data());
    for (size_t r = 0; r < rows_; r++) {
      kernel_.fn(size_t(oc_), size_t(ow_), taps_, indirection_.data() + r * ow_ * taps_, taps_, packed_.data(),
                 y + r * ow_ * oc_, size_t(oc_), &params_);
    }
  }

 private:
  const Tensor& x_;
  Tensor& y_;
  int64_t mult_;
  DwconvKernel kernel_;
  int64_t oh_, ow_, oc_;
  size_t taps_, rows_ = 0;
  std::vector<uint8_t> packed_;
  std::vector<int8_t> zero_, expanded_;
  std::vector<const int8_t*> indirection_;
  OutputParams params_{};
};

class FullyConnectedOp : public Op {
 public:
  FullyConnectedOp(Runtime& rt, const json& node, const Tensor& x, const Tensor& w, Tensor& y) : rt_(rt), x_(x), y_(y) {
    kernel_ = rt.force_scalar() ? scalar_gemm_kernel() : gemm_kernels()[0];
    n_ = size_t(w.shape[0]);
    k_ = size_t(w.shape[1]);
    m_ = x.numel() / k_;
    const int32_t* bias = bias_data(rt, node, n_, node.value("name", "fully_connected"));
    const int8_t* wd = reinterpret_cast<const int8_t*>(w.data());
    std::vector<int16_t> w16(n_ * k_);
    std::vector<float> q(n_);
    for (size_t o = 0; o < n_; o++) {
      for (size_t k = 0; k < k_; k++) w16[o * k_ + k] = int16_t(wd[o * k_ + k] - wzp(w, o));
      q[o] = conv_output_scale(x.scale(), wscale(w, o), y.scale());
    }
    pack_gemm_weights(kernel_, n_, k_, w16.data(), bias, q.data(), packed_, kc_);
    output_clamp(node.value("attrs", json::object()), y, params_.min, params_.max);
    params_.zero_point = y.zp();
    mc_ = chunk_rows(kernel_, kc_, m_);
    rt.reserve_scratch16(mc_ * kc_ + 64);
  }

  void run() override {
    const int8_t* x = reinterpret_cast<const int8_t*>(x_.data());
    int8_t* y = reinterpret_cast<int8_t*>(y_.data());
    const int16_t zx = int16_t(x_.zp());
    int16_t* a = rt_.scratch16().data();
    for (size_t m0 = 0; m0 < m_; m0 += mc_) {
      const size_t mc = std::min(mc_, m_ - m0);
      for (size_t r = 0; r < mc; r++) {
        const int8_t* src = x + (m0 + r) * k_;
        int16_t* dst = a + r * kc_;
        for (size_t k = 0; k < k_; k++) dst[k] = int16_t(src[k] - zx);
        for (size_t k = k_; k < kc_; k++) dst[k] = 0;
      }
      run_gemm(kernel_, mc, n_, kc_, a, packed_.data(), y + m0 * n_, n_, params_);
    }
  }

 private:
  Runtime& rt_;
  const Tensor& x_;
  Tensor& y_;
  GemmKernel kernel_;
  size_t n_, k_, m_, kc_ = 0, mc_ = 0;
  std::vector<uint8_t> packed_;
  OutputParams params_{};
};

}  // namespace

std::unique_ptr<Op> make_conv(Runtime& rt, const json& node, bool depthwise_declared) {
  const std::string op = node.value("name", "conv");
  const json attrs = node.value("attrs", json::object());
  const auto& ins = node.at("inputs");
  if (ins.size() < 2 || node.at("outputs").size() != 1) fail("bad_plan", "op '" + op + "': needs x, w and one output");
  const Tensor& x = need_quant_activation(rt, ins[0].get<int>(), op, "input");
  Tensor& y = rt.tensor(node["outputs"][0].get<int>());
  need_quant_activation(rt, y.id, op, "output");
  const Tensor& w = rt.tensor(ins[1].get<int>());
  if (!w.is_const || !w.quantized) fail("bad_plan", "op '" + op + "': weights '" + w.name + "' must be constant int8/uint8");
  if (x.shape.size() != 4 || w.shape.size() != 4 || y.shape.size() != 4)
    fail("shape_mismatch", "op '" + op + "': conv tensors must be rank 4 (NHWC, OHWI)");
  const auto strides = attr_ints(attrs, "strides", {1, 1});
  const auto pads = attr_ints(attrs, "pads", {0, 0, 0, 0});
  const auto dil = attr_ints(attrs, "dilations", {1, 1});
  if (strides.size() != 2 || pads.size() != 4 || dil.size() != 2 || strides[0] < 1 || strides[1] < 1 ||
      dil[0] < 1 || dil[1] < 1)
    fail("unsupported_attr", "op '" + op + "': strides/dilations need 2 positive values, pads 4");
  const int64_t c = x.shape[3];
  int64_t kh, kw, o, groups, mult = 1;
  if (depthwise_declared) {
    if (w.shape[0] != 1) fail("shape_mismatch", "op '" + op + "': depthwise weights must be [1,KH,KW,C*M]");
    kh = w.shape[1]; kw = w.shape[2]; o = w.shape[3];
    mult = attr_int(attrs, "depthMultiplier", o / std::max<int64_t>(c, 1));
    if (o != c * mult) fail("shape_mismatch", "op '" + op + "': weight channels != C * depthMultiplier");
    groups = c;
  } else {
    o = w.shape[0]; kh = w.shape[1]; kw = w.shape[2];
    groups = attr_int(attrs, "groups", 1);
    if (groups < 1 || c % groups != 0 || o % groups != 0 || w.shape[3] != c / groups)
      fail("shape_mismatch", "op '" + op + "': weights [O,KH,KW,C/groups] do not match input channels/groups");
  }
  const int64_t oh = (x.shape[1] + pads[0] + pads[2] - dil[0] * (kh - 1) - 1) / strides[0] + 1;
  const int64_t ow = (x.shape[2] + pads[1] + pads[3] - dil[1] * (kw - 1) - 1) / strides[1] + 1;
  if (y.shape[0] != x.shape[0] || y.shape[1] != oh || y.shape[2] != ow || y.shape[3] != o)
    fail("shape_mismatch", "op '" + op + "': output shape does not match conv arithmetic");
  if (w.axis >= 0 && w.scales.size() != size_t(o))
    fail("quant_mismatch", "op '" + op + "': per-channel weight quant must have one entry per output channel");
  const bool as_depthwise = depthwise_declared || (groups == c && w.shape[3] == 1 && groups > 1);
  if (!as_depthwise) return std::make_unique<GemmConvOp>(rt, node, x, w, y, groups, strides, pads, dil);

  if (!depthwise_declared) mult = o / c;
  const size_t taps = size_t(kh * kw);
  std::vector<int16_t> w16(taps * size_t(o));
  std::vector<float> ws(o);
  const int8_t* wd = reinterpret_cast<const int8_t*>(w.data());
  for (int64_t oc = 0; oc < o; oc++) {
    ws[oc] = wscale(w, oc);
    const int32_t zp = wzp(w, oc);
    for (size_t t = 0; t < taps; t++) {
      // [1,KH,KW,O] and [O,KH,KW,1] hold the same numbers in transposed order.
      const int8_t v = depthwise_declared ? wd[t * o + oc] : wd[oc * taps + t];
      w16[t * o + oc] = int16_t(v - zp);
    }
  }
  return std::make_unique<DepthwiseOp>(rt, node, x, y, kh, kw, mult, w16, ws, strides, pads, dil);
}

std::unique_ptr<Op> make_fully_connected(Runtime& rt, const json& node) {
  const std::string op = node.value("name", "fully_connected");
  const auto& ins = node.at("inputs");
  if (ins.size() < 2 || node.at("outputs").size() != 1) fail("bad_plan", "op '" + op + "': needs x, w and one output");
  const Tensor& x = need_quant_activation(rt, ins[0].get<int>(), op, "input");
  Tensor& y = rt.tensor(node["outputs"][0].get<int>());
  need_quant_activation(rt, y.id, op, "output");
  const Tensor& w = rt.tensor(ins[1].get<int>());
  if (!w.is_const || !w.quantized || w.shape.size() != 2)
    fail("bad_plan", "op '" + op + "': weights must be a constant quantized [N,K]");
  const size_t k = size_t(w.shape[1]);
  if (x.shape.empty() || size_t(x.shape.back()) != k || y.numel() != x.numel() / k * size_t(w.shape[0]) ||
      size_t(y.shape.back()) != size_t(w.shape[0]))
    fail("shape_mismatch", "op '" + op + "': x [...,K], w [N,K], y [...,N] do not agree");
  if (w.axis >= 0 && (w.axis != 0 || w.scales.size() != size_t(w.shape[0])))
    fail("quant_mismatch", "op '" + op + "': per-channel FC weights must use axis 0");
  return std::make_unique<FullyConnectedOp>(rt, node, x, w, y);
}

}  // namespace farm
