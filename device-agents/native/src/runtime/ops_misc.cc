// Add, pooling, data-movement and elementwise ops. Quantized-to-quantized unary ops
// (relu, clip, sigmoid, requantizing copies) run through 256-entry tables built at load.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "ops.h"

namespace farm {

namespace {

bool is_q8(const Tensor& t) { return t.quantized && (t.dtype == DType::I8 || t.dtype == DType::U8); }

bool same_quant(const Tensor& a, const Tensor& b) {
  if (is_q8(a) != is_q8(b)) return false;
  if (!is_q8(a)) return a.dtype == b.dtype;
  return a.scale() == b.scale() && a.zp() == b.zp();
}

std::vector<int> ids(const json& node, const char* key) { return node.at(key).get<std::vector<int>>(); }

// Table mapping every int8 input value to an int8 output: y = clamp(z_y + round((x - z_x) * s_x / s_y)).
void requant_table(const Tensor& x, const Tensor& y, int8_t* lut) {
  const QuantMultiplier q = quantize_multiplier(double(x.scale()) / double(y.scale()));
  for (int v = -128; v < 128; v++) lut[v + 128] = requantize_clamp(v - x.zp(), q, y.zp(), -128, 127);
}

// Round half to even without a libm call: adding 1.5 * 2^23 leaves no fraction bits,
// so the FPU's default rounding does the work (valid for |v| < 2^22, hence the clamp).
inline float round_even(float v) {
  v = std::min(4194304.0f, std::max(-4194304.0f, v));
  return (v + 12582912.0f) - 12582912.0f;
}

int8_t quantize_value(float v, const Tensor& y) {
  float r = round_even(v / y.scale()) + float(y.zp());
  r = std::min(127.0f, std::max(-128.0f, r));
  return int8_t(r);
}

// ---------------------------------------------------------------- add
class AddOp : public Op {
 public:
  AddOp(Runtime& rt, const json& node, Tensor& a, Tensor& b, Tensor& y) : a_(a), b_(b), y_(y) {
    kernel_ = rt.force_scalar() ? scalar_vadd_kernel() : vadd_kernels()[0];
    int32_t lo, hi;
    output_clamp(node.value("attrs", json::object()), y, lo, hi);
    make_vadd_params(a.scale(), a.zp(), b.scale(), b.zp(), y.scale(), y.zp(), lo, hi, params_);
    broadcast_ = a.shape != y.shape || b.shape != y.shape;
    if (broadcast_) {
      const size_t r = y.shape.size();
      if (a.shape.size() > r || b.shape.size() > r) fail("shape_mismatch", "add: input rank above output rank");
      ea_.assign(y.numel() + 64, 0);
      eb_.assign(y.numel() + 64, 0);
      map_a_ = broadcast_map(a.shape, y.shape);
      map_b_ = broadcast_map(b.shape, y.shape);
    }
  }

  void run() override {
    const int8_t* a = reinterpret_cast<const int8_t*>(a_.data());
    const int8_t* b = reinterpret_cast<const int8_t*>(b_.data());
    const size_t n = y_.numel();
    if (broadcast_) {
      for (size_t i = 0; i < n; i++) {
        ea_[i] = a[map_a_[i]];
        eb_[i] = b[map_b_[i]];
      }
      a = ea_.data();
      b = eb_.data();
    }
    kernel_.fn(n, a, b, reinterpret_cast<int8_t*>(y_.data()), &params_);
  }

  static std::vector<uint32_t> broadcast_map(const std::vector<int64_t>& in, const std::vector<int64_t>& out) {
    const size_t r = out.size();
    std::vector<int64_t> s(r, 1);
    for (size_t i = 0; i < in.size(); i++) s[r - in.size() + i] = in[i];
    std::vector<int64_t> stride(r, 0);
    int64_t acc = 1;
    for (size_t i = r; i-- > 0;) {
      if (s[i] != 1 && s[i] != out[i]) fail("shape_mismatch", "add: shapes are not broadcastable");
      stride[i] = s[i] == 1 ? 0 : acc;
      acc *= s[i];
    }
    size_t total = 1;
    for (int64_t d : out) total *= size_t(d);
    std::vector<uint32_t> map(total);
    std::vector<int64_t> idx(r, 0);
    for (size_t i = 0; i < total; i++) {
      int64_t off = 0;
      for (size_t d = 0; d < r; d++) off += idx[d] * stride[d];
      map[i] = uint32_t(off);
      for (size_t d = r; d-- > 0;) {
        if (++idx[d] < out[d]) break;
        idx[d] = 0;
      }
    }
    return map;
  }

 private:
  const Tensor& a_;
  const Tensor& b_;
  Tensor& y_;
  VaddKernel kernel_;
  VaddParams params_{};
  bool broadcast_ = false;
  std::vector<int8_t> ea_, eb_;
  std::vector<uint32_t> map_a_, map_b_;
};

// ---------------------------------------------------------------- pooling
class PoolOp : public Op {
 public:
  PoolOp(const json& node, const std::string& type, const Tensor& x, Tensor& y) : x_(x), y_(y) {
    const json attrs = node.value("attrs", json::object());
    max_ = type == "max_pool";
    global_ = type == "global_avg_pool";
    if (global_) {
      kernel_ = {x.shape[1], x.shape[2]};
      strides_ = {1, 1};
      pads_ = {0, 0, 0, 0};
      dil_ = {1, 1};
    } else {
      kernel_ = attr_ints(attrs, "kernel", {});
      if (kernel_.size() != 2) fail("unsupported_attr", "op '" + node.value("name", type) + "': kernel [kh,kw] required");
      strides_ = attr_ints(attrs, "strides", kernel_);
      pads_ = attr_ints(attrs, "pads", {0, 0, 0, 0});
      dil_ = attr_ints(attrs, "dilations", {1, 1});
      include_pad_ = attrs.value("countIncludePad", false);
    }
    if (strides_.size() != 2 || pads_.size() != 4 || dil_.size() != 2)
      fail("unsupported_attr", "op '" + node.value("name", type) + "': bad strides/pads/dilations");
    if (max_) {
      if (!same_quant(x, y)) fail("quant_mismatch", "max_pool: input and output quant must be equal");
    } else {
      output_clamp(attrs, y, lo_, hi_);
      const int64_t taps = kernel_[0] * kernel_[1];
      for (int64_t c = 0; c <= taps; c++)
        q_.push_back(quantize_multiplier(c == 0 ? 0.0 : double(x.scale()) / (double(y.scale()) * double(c))));
    }
    const int64_t oh = global_ ? 1 : (x.shape[1] + pads_[0] + pads_[2] - dil_[0] * (kernel_[0] - 1) - 1) / strides_[0] + 1;
    const int64_t ow = global_ ? 1 : (x.shape[2] + pads_[1] + pads_[3] - dil_[1] * (kernel_[1] - 1) - 1) / strides_[1] + 1;
    // Ceil-mode pooling yields one more row/column: accept the output's own shape
    // when it is within that one, windows past the edge only see valid pixels.
    if (y.shape.size() != 4 || y.shape[0] != x.shape[0] || y.shape[3] != x.shape[3] || y.shape[1] < oh ||
        y.shape[1] > oh + 1 || y.shape[2] < ow || y.shape[2] > ow + 1)
      fail("shape_mismatch", "op '" + node.value("name", type) + "': output shape does not match pooling arithmetic");
    acc_.resize(size_t(x.shape[3]));
  }

  void run() override {
    const int64_t n = x_.shape[0], h = x_.shape[1], w = x_.shape[2], c = x_.shape[3];
    const int64_t oh = y_.shape[1], ow = y_.shape[2];
    const int8_t* x = reinterpret_cast<const int8_t*>(x_.data());
    int8_t* y = reinterpret_cast<int8_t*>(y_.data());
    const int32_t zx = x_.zp(), zy = y_.zp();
    for (int64_t b = 0; b < n; b++)
      for (int64_t oy = 0; oy < oh; oy++)
        for (int64_t ox = 0; ox < ow; ox++) {
          int8_t* out = y + ((b * oh + oy) * ow + ox) * c;
          int64_t count = 0;
          if (max_) std::fill(out, out + c, int8_t(-128));
          else std::fill(acc_.begin(), acc_.end(), 0);
          for (int64_t ky = 0; ky < kernel_[0]; ky++) {
            const int64_t iy = oy * strides_[0] - pads_[0] + ky * dil_[0];
            for (int64_t kx = 0; kx < kernel_[1]; kx++) {
              const int64_t ix = ox * strides_[1] - pads_[1] + kx * dil_[1];
              const bool inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
              const bool in_padded = iy < h + pads_[2] && ix < w + pads_[3];
              if (!inside) {
                if (include_pad_ && in_padded) count++;
                continue;
              }
              count++;
              const int8_t* in = x + ((b * h + iy) * w + ix) * c;
              if (max_) {
                for (int64_t ch = 0; ch < c; ch++) out[ch] = std::max(out[ch], in[ch]);
              } else {
                for (int64_t ch = 0; ch < c; ch++) acc_[ch] += in[ch] - zx;
              }
            }
          }
          if (!max_) {
            const QuantMultiplier& q = q_[std::min<size_t>(size_t(count), q_.size() - 1)];
            for (int64_t ch = 0; ch < c; ch++) out[ch] = requantize_clamp(acc_[ch], q, zy, lo_, hi_);
          }
        }
  }

 private:
  const Tensor& x_;
  Tensor& y_;
  bool max_ = false, global_ = false, include_pad_ = false;
  std::vector<int64_t> kernel_, strides_, pads_, dil_;
  std::vector<QuantMultiplier> q_;
  std::vector<int32_t> acc_;
  int32_t lo_ = -128, hi_ = 127;
};

// ---------------------------------------------------------------- data movement
class ConcatOp : public Op {
 public:
  ConcatOp(Runtime& rt, const json& node, Tensor& y) : y_(y) {
    const auto in = ids(node, "inputs");
    const int64_t r = int64_t(y.shape.size());
    int64_t axis = attr_int(node.value("attrs", json::object()), "axis", std::numeric_limits<int64_t>::min());
    if (axis == std::numeric_limits<int64_t>::min()) fail("unsupported_attr", "concat: axis required");
    if (axis < 0) axis += r;
    if (axis < 0 || axis >= r) fail("unsupported_attr", "concat: axis out of range");
    outer_ = 1;
    for (int64_t d = 0; d < axis; d++) outer_ *= size_t(y.shape[d]);
    const size_t es = dtype_size(y.dtype);
    int64_t total = 0;
    for (int id : in) {
      Tensor& t = rt.tensor(id);
      if (t.shape.size() != y.shape.size()) fail("shape_mismatch", "concat: rank mismatch on '" + t.name + "'");
      for (int64_t d = 0; d < r; d++)
        if (d != axis && t.shape[d] != y.shape[d]) fail("shape_mismatch", "concat: shape mismatch on '" + t.name + "'");
      total += t.shape[axis];
      Part p{&t, t.numel() / outer_ * es, false, {}};
      if (is_q8(y) != is_q8(t) || (!is_q8(y) && t.dtype != y.dtype))
        fail("quant_mismatch", "concat: dtype mismatch on '" + t.name + "'");
      if (is_q8(y) && !same_quant(t, y)) {
        p.requant = true;
        p.lut.resize(256);
        requant_table(t, y, p.lut.data());
      }
      parts_.push_back(p);
    }
    if (total != y.shape[axis]) fail("shape_mismatch", "concat: sizes along axis do not add up");
  }

  void run() override {
    uint8_t* out = y_.data();
    for (size_t o = 0; o < outer_; o++)
      for (const Part& p : parts_) {
        const uint8_t* src = p.t->data() + o * p.chunk;
        if (p.requant) {
          for (size_t i = 0; i < p.chunk; i++) out[i] = uint8_t(p.lut[size_t(int(int8_t(src[i])) + 128)]);
        } else {
          std::memcpy(out, src, p.chunk);
        }
        out += p.chunk;
      }
  }

 private:
  struct Part {
    const Tensor* t;
    size_t chunk;
    bool requant;
    std::vector<int8_t> lut;
  };
  Tensor& y_;
  size_t outer_ = 1;
  std::vector<Part> parts_;
};

class ReshapeOp : public Op {
 public:
  ReshapeOp(const Tensor& x, Tensor& y) : x_(x), y_(y) {
    if (x.numel() != y.numel()) fail("shape_mismatch", "reshape: element counts differ");
    if (!same_quant(x, y)) fail("quant_mismatch", "reshape: input and output quant must be equal");
  }
  void run() override { std::memcpy(y_.data(), x_.data(), x_.bytes()); }

 private:
  const Tensor& x_;
  Tensor& y_;
};

class TransposeOp : public Op {
 public:
  TransposeOp(const json& node, const Tensor& x, Tensor& y) : x_(x), y_(y) {
    perm_ = attr_ints(node.value("attrs", json::object()), "perm", {});
    const size_t r = x.shape.size();
    if (perm_.size() != r || y.shape.size() != r) fail("unsupported_attr", "transpose: perm must list every axis");
    for (size_t i = 0; i < r; i++)
      if (perm_[i] < 0 || size_t(perm_[i]) >= r || y.shape[i] != x.shape[perm_[i]])
        fail("shape_mismatch", "transpose: output shape does not match perm");
    if (!same_quant(x, y)) fail("quant_mismatch", "transpose: input and output quant must be equal");
    std::vector<int64_t> xs(r, 1);
    for (size_t i = r - 1; i > 0; i--) xs[i - 1] = xs[i] * x.shape[i];
    src_stride_.resize(r);
    for (size_t i = 0; i < r; i++) src_stride_[i] = xs[perm_[i]];
  }

  void run() override {
    switch (dtype_size(x_.dtype)) {
      case 1: copy<uint8_t>(); break;
      case 2: copy<uint16_t>(); break;
      case 4: copy<uint32_t>(); break;
      default: copy<uint64_t>(); break;
    }
  }

  // One output row (the last output axis) at a time with a strided inner gather, so the
  // multi-dimensional index is advanced once per row, not once per element (the graph
  // input NCHW -> NHWC relayout of a 224x224 image went from ~0.9 ms to a few tens of us).
  template <typename T>
  void copy() {
    const size_t r = perm_.size();
    if (r == 0 || y_.numel() == 0) {
      std::memcpy(y_.data(), x_.data(), x_.bytes());
      return;
    }
    const T* x = reinterpret_cast<const T*>(x_.data());
    T* y = reinterpret_cast<T*>(y_.data());
    if (r == 4 && perm_ == std::vector<int64_t>{0, 2, 3, 1}) {
      // NCHW -> NHWC (graph-input relayout): few channels make output rows tiny, so read
      // each channel plane contiguously and scatter with stride C instead.
      const size_t nb = size_t(x_.shape[0]), c = size_t(x_.shape[1]), hw = size_t(x_.shape[2] * x_.shape[3]);
      for (size_t b = 0; b < nb; b++)
        for (size_t ch = 0; ch < c; ch++) {
          const T* src = x + (b * c + ch) * hw;
          T* dst = y + b * hw * c + ch;
          for (size_t i = 0; i < hw; i++) dst[i * c] = src[i];
        }
      return;
    }
    const size_t inner = size_t(y_.shape[r - 1]), rows = y_.numel() / inner;
    const int64_t st = src_stride_[r - 1];
    std::vector<int64_t> idx(r, 0);
    int64_t off = 0;
    for (size_t row = 0; row < rows; row++) {
      const T* src = x + off;
      if (st == 1) {
        std::memcpy(y, src, inner * sizeof(T));
      } else {
        for (size_t j = 0; j < inner; j++) y[j] = src[int64_t(j) * st];
      }
      y += inner;
      for (size_t d = r - 1; d-- > 0;) {
        off += src_stride_[d];
        if (++idx[d] < y_.shape[d]) break;
        off -= src_stride_[d] * idx[d];
        idx[d] = 0;
      }
    }
  }

 private:
  const Tensor& x_;
  Tensor& y_;
  std::vector<int64_t> perm_, src_stride_;
};

class PadOp : public Op {
 public:
  PadOp(const json& node, const Tensor& x, Tensor& y) : x_(x), y_(y) {
    const json attrs = node.value("attrs", json::object());
    const size_t r = x.shape.size();
    pads_ = attr_ints(attrs, "pads", std::vector<int64_t>(2 * r, 0));
    if (pads_.size() != 2 * r || y.shape.size() != r) fail("unsupported_attr", "pad: pads needs 2 values per axis");
    for (size_t i = 0; i < r; i++)
      if (pads_[i] < 0 || pads_[r + i] < 0 || y.shape[i] != x.shape[i] + pads_[i] + pads_[r + i])
        fail("shape_mismatch", "pad: output shape does not match pads");
    if (!same_quant(x, y)) fail("quant_mismatch", "pad: input and output quant must be equal");
    const std::string mode = attrs.value("mode", "constant");
    if (mode != "constant") fail("unsupported_attr", "pad: only constant mode is supported");
    fill_.assign(dtype_size(y.dtype), 0);
    if (is_q8(y)) {
      int32_t v = y.zp();
      if (attrs.contains("value") && !attrs["value"].is_null())
        v = attrs["value"].get<int32_t>() - (y.dtype == DType::U8 ? 128 : 0);
      fill_[0] = uint8_t(int8_t(std::max(-128, std::min(127, v))));
    } else {
      float f = attrs.contains("value") && !attrs["value"].is_null() ? attrs["value"].get<float>() : 0.0f;
      if (y.dtype == DType::I32) {
        int32_t i = int32_t(f);
        std::memcpy(fill_.data(), &i, 4);
      } else {
        std::memcpy(fill_.data(), &f, 4);
      }
    }
  }

  void run() override {
    const size_t es = dtype_size(x_.dtype), r = x_.shape.size();
    uint8_t* y = y_.data();
    const size_t yn = y_.numel();
    if (es == 1) std::memset(y, fill_[0], yn);
    else
      for (size_t i = 0; i < yn; i++) std::memcpy(y + i * es, fill_.data(), es);
    if (x_.numel() == 0) return;
    // Copy the input row by row (rows along the last axis stay contiguous).
    const size_t row = size_t(x_.shape[r - 1]) * es;
    const size_t rows = x_.numel() / size_t(x_.shape[r - 1]);
    std::vector<int64_t> idx(r, 0);
    std::vector<int64_t> ys(r, 1);
    for (size_t i = r - 1; i > 0; i--) ys[i - 1] = ys[i] * y_.shape[i];
    for (size_t i = 0; i < rows; i++) {
      int64_t off = pads_[r - 1];
      for (size_t d = 0; d + 1 < r; d++) off += (idx[d] + pads_[d]) * ys[d];
      std::memcpy(y + size_t(off) * es, x_.data() + i * row, row);
      for (size_t d = r - 1; d-- > 0;) {
        if (++idx[d] < x_.shape[d]) break;
        idx[d] = 0;
      }
    }
  }

 private:
  const Tensor& x_;
  Tensor& y_;
  std::vector<int64_t> pads_;
  std::vector<uint8_t> fill_;
};

class ResizeOp : public Op {
 public:
  ResizeOp(const json& node, bool bilinear, const Tensor& x, Tensor& y) : x_(x), y_(y), bilinear_(bilinear) {
    const json attrs = node.value("attrs", json::object());
    if (x.shape.size() != 4 || y.shape.size() != 4 || x.shape[0] != y.shape[0] || x.shape[3] != y.shape[3])
      fail("shape_mismatch", "resize: tensors must be NHWC with equal N and C");
    if (!is_q8(x) || !is_q8(y)) fail("quant_mismatch", "resize: int8/uint8 tensors expected");
    if (!bilinear && !same_quant(x, y)) fail("quant_mismatch", "resize_nearest: input and output quant must be equal");
    const std::string mode = attrs.value("coordinateTransformationMode", "half_pixel");
    const std::string nmode = attrs.value("nearestMode", "round_prefer_floor");
    std::vector<float> scales;
    if (attrs.contains("scales") && !attrs["scales"].is_null()) scales = attrs["scales"].get<std::vector<float>>();
    for (int axis = 0; axis < 2; axis++) {
      const int64_t in = x.shape[1 + axis], out = y.shape[1 + axis];
      const float scale = scales.size() == 2 ? scales[axis] : float(out) / float(in);
      auto& idx0 = axis == 0 ? y0_ : x0_;
      auto& idx1 = axis == 0 ? y1_ : x1_;
      auto& frac = axis == 0 ? fy_ : fx_;
      for (int64_t o = 0; o < out; o++) {
        float src;
        if (mode == "half_pixel") src = (float(o) + 0.5f) / scale - 0.5f;
        else if (mode == "pytorch_half_pixel") src = out > 1 ? (float(o) + 0.5f) / scale - 0.5f : 0.0f;
        else if (mode == "align_corners") src = out == 1 ? 0.0f : float(o) * float(in - 1) / float(out - 1);
        else if (mode == "asymmetric") src = float(o) / scale;
        else if (mode == "tf_half_pixel_for_nn") src = (float(o) + 0.5f) / scale;
        else fail("unsupported_attr", "resize: coordinateTransformationMode '" + mode + "'");
        if (!bilinear) {
          int64_t i;
          if (nmode == "round_prefer_floor") i = (src - std::floor(src) == 0.5f) ? int64_t(std::floor(src)) : int64_t(std::round(src));
          else if (nmode == "round_prefer_ceil") i = int64_t(std::round(src));
          else if (nmode == "floor") i = int64_t(std::floor(src));
          else if (nmode == "ceil") i = int64_t(std::ceil(src));
          else fail("unsupported_attr", "resize: nearestMode '" + nmode + "'");
          idx0.push_back(std::max<int64_t>(0, std::min<int64_t>(in - 1, i)));
        } else {
          src = std::max(0.0f, std::min(src, float(in - 1)));
          const int64_t i0 = int64_t(std::floor(src));
          idx0.push_back(i0);
          idx1.push_back(std::min<int64_t>(i0 + 1, in - 1));
          frac.push_back(src - float(i0));
        }
      }
    }
    ratio_ = x.scale() / y.scale();
  }

  void run() override {
    const int64_t n = x_.shape[0], h = x_.shape[1], w = x_.shape[2], c = x_.shape[3];
    const int64_t oh = y_.shape[1], ow = y_.shape[2];
    const int8_t* x = reinterpret_cast<const int8_t*>(x_.data());
    int8_t* y = reinterpret_cast<int8_t*>(y_.data());
    const int32_t zx = x_.zp(), zy = y_.zp();
    for (int64_t b = 0; b < n; b++)
      for (int64_t oy = 0; oy < oh; oy++)
        for (int64_t ox = 0; ox < ow; ox++) {
          int8_t* out = y + ((b * oh + oy) * ow + ox) * c;
          if (!bilinear_) {
            std::memcpy(out, x + ((b * h + y0_[oy]) * w + x0_[ox]) * c, size_t(c));
            continue;
          }
          const int8_t* p00 = x + ((b * h + y0_[oy]) * w + x0_[ox]) * c;
          const int8_t* p01 = x + ((b * h + y0_[oy]) * w + x1_[ox]) * c;
          const int8_t* p10 = x + ((b * h + y1_[oy]) * w + x0_[ox]) * c;
          const int8_t* p11 = x + ((b * h + y1_[oy]) * w + x1_[ox]) * c;
          const float fy = fy_[oy], fx = fx_[ox];
          for (int64_t ch = 0; ch < c; ch++) {
            const float top = float(p00[ch] - zx) * (1 - fx) + float(p01[ch] - zx) * fx;
            const float bot = float(p10[ch] - zx) * (1 - fx) + float(p11[ch] - zx) * fx;
            const float v = (top * (1 - fy) + bot * fy) * ratio_;
            out[ch] = int8_t(std::min(127.0f, std::max(-128.0f, std::nearbyint(v) + float(zy))));
          }
        }
  }

 private:
  const Tensor& x_;
  Tensor& y_;
  bool bilinear_;
  std::vector<int64_t> y0_, y1_, x0_, x1_;
  std::vector<float> fy_, fx_;
  float ratio_ = 1.0f;
};

// ---------------------------------------------------------------- elementwise
class ElementwiseOp : public Op {
 public:
  ElementwiseOp(Runtime& rt, const json& node, const std::string& type, const Tensor& x, Tensor& y)
      : rt_(rt), x_(x), y_(y), type_(type) {
    kind_ = type == "sigmoid" ? Kind::Sigmoid : type == "relu" ? Kind::Relu : type == "clip" ? Kind::Clip
          : type == "softmax" ? Kind::Softmax : Kind::Identity;
    const json attrs = node.value("attrs", json::object());
    if (x.numel() != y.numel()) fail("shape_mismatch", type + ": input and output sizes differ");
    if (type == "quantize" && (x.dtype != DType::F32 || !is_q8(y)))
      fail("quant_mismatch", "quantize: float32 -> int8/uint8 expected");
    if (type == "dequantize" && (!is_q8(x) || y.dtype != DType::F32))
      fail("quant_mismatch", "dequantize: int8/uint8 -> float32 expected");
    if (x.dtype == DType::I32 || y.dtype == DType::I32) fail("quant_mismatch", type + ": int32 tensors not supported");
    if (x.axis >= 0 || y.axis >= 0) fail("quant_mismatch", type + ": per-axis activation quant not supported");
    lo_ = -std::numeric_limits<float>::infinity();
    hi_ = std::numeric_limits<float>::infinity();
    if (type == "clip") {
      if (attrs.contains("min") && !attrs["min"].is_null()) lo_ = attrs["min"].get<float>();
      if (attrs.contains("max") && !attrs["max"].is_null()) hi_ = attrs["max"].get<float>();
    }
    if (type == "softmax") {
      int64_t axis = attr_int(attrs, "axis", -1);
      const int64_t r = int64_t(x.shape.size());
      if (axis < 0) axis += r;
      if (axis < 0 || axis >= r) fail("unsupported_attr", "softmax: axis out of range");
      outer_ = 1;
      inner_ = 1;
      for (int64_t d = 0; d < axis; d++) outer_ *= size_t(x.shape[d]);
      for (int64_t d = axis + 1; d < r; d++) inner_ *= size_t(x.shape[d]);
      len_ = size_t(x.shape[axis]);
      rt.reserve_scratch_f32(2 * x.numel() + 64);
    }
    vcvt_ = rt.force_scalar() ? scalar_f32_qs8_vcvt_kernel() : f32_qs8_vcvt_kernels()[0];
    if (type != "softmax" && is_q8(x) && is_q8(y)) {
      use_lut_ = true;
      for (int v = -128; v < 128; v++) lut_[v + 128] = quantize_value(f(float(v - x.zp()) * x.scale()), y);
    } else if (is_q8(x) || is_q8(y)) {
      rt.reserve_scratch_f32(2 * x.numel() + 64);
    }
  }

  float f(float v) const {
    switch (kind_) {
      case Kind::Sigmoid: return 1.0f / (1.0f + std::exp(-v));
      case Kind::Relu: return v > 0.0f ? v : 0.0f;
      case Kind::Clip: return std::min(hi_, std::max(lo_, v));
      default: return v;  // quantize / dequantize: the conversion is the whole op
    }
  }

  void run() override {
    const size_t n = x_.numel();
    if (use_lut_) {
      const int8_t* x = reinterpret_cast<const int8_t*>(x_.data());
      int8_t* y = reinterpret_cast<int8_t*>(y_.data());
      for (size_t i = 0; i < n; i++) y[i] = lut_[x[i] + 128];
      return;
    }
    // Float path: dequantize the input if needed, compute, quantize the output if needed.
    const float* xf;
    float* tmp = rt_.scratch_f32().data();
    if (is_q8(x_)) {
      const int8_t* x = reinterpret_cast<const int8_t*>(x_.data());
      const float s = x_.scale();
      const int32_t z = x_.zp();
      // dequantize writes straight into its output; other ops go through scratch.
      float* dst = (kind_ == Kind::Identity && !is_q8(y_)) ? reinterpret_cast<float*>(y_.data()) : tmp;
      for (size_t i = 0; i < n; i++) dst[i] = float(x[i] - z) * s;
      xf = dst;
    } else {
      xf = reinterpret_cast<const float*>(x_.data());
    }
    float* yf = is_q8(y_) ? tmp + n : reinterpret_cast<float*>(y_.data());
    if (kind_ == Kind::Softmax) {
      for (size_t o = 0; o < outer_; o++)
        for (size_t in = 0; in < inner_; in++) {
          const size_t base = o * len_ * inner_ + in;
          float mx = -std::numeric_limits<float>::infinity();
          for (size_t k = 0; k < len_; k++) mx = std::max(mx, xf[base + k * inner_]);
          float sum = 0.0f;
          for (size_t k = 0; k < len_; k++) {
            const float e = std::exp(xf[base + k * inner_] - mx);
            yf[base + k * inner_] = e;
            sum += e;
          }
          const float inv = 1.0f / sum;
          for (size_t k = 0; k < len_; k++) yf[base + k * inner_] *= inv;
        }
    } else if (kind_ == Kind::Identity) {
      if (is_q8(y_)) {
        // quantize: straight from the input through the vector kernel.
        const QuantizeParams qp{y_.scale(), y_.zp()};
        vcvt_.fn(n, xf, reinterpret_cast<int8_t*>(y_.data()), &qp);
        return;
      }
      if (yf != xf) std::memcpy(yf, xf, n * sizeof(float));
    } else {
      for (size_t i = 0; i < n; i++) yf[i] = f(xf[i]);
    }
    if (is_q8(y_)) {
      int8_t* y = reinterpret_cast<int8_t*>(y_.data());
      for (size_t i = 0; i < n; i++) y[i] = quantize_value(yf[i], y_);
    }
  }

 private:
  Runtime& rt_;
  const Tensor& x_;
  Tensor& y_;
  std::string type_;
  enum class Kind { Identity, Sigmoid, Relu, Clip, Softmax } kind_;
  F32Qs8VcvtKernel vcvt_{};
  float lo_, hi_;
  bool use_lut_ = false;
  int8_t lut_[256];
  size_t outer_ = 1, inner_ = 1, len_ = 1;
};

Tensor& single(Runtime& rt, const json& node, const char* key, const std::string& type) {
  const auto v = ids(node, key);
  if (v.empty()) fail("bad_plan", type + " '" + node.value("name", type) + "': missing " + key);
  return rt.tensor(v[0]);
}

}  // namespace

std::unique_ptr<Op> make_add(Runtime& rt, const json& node) {
  const auto in = ids(node, "inputs");
  if (in.size() != 2) fail("bad_plan", "add '" + node.value("name", "add") + "': needs two inputs");
  Tensor& a = rt.tensor(in[0]);
  Tensor& b = rt.tensor(in[1]);
  Tensor& y = single(rt, node, "outputs", "add");
  if (!is_q8(a) || !is_q8(b) || !is_q8(y) || a.axis >= 0 || b.axis >= 0 || y.axis >= 0)
    fail("quant_mismatch", "add '" + node.value("name", "add") + "': per-tensor int8/uint8 tensors expected");
  return std::make_unique<AddOp>(rt, node, a, b, y);
}

std::unique_ptr<Op> make_pool(Runtime& rt, const json& node, const std::string& type) {
  Tensor& x = single(rt, node, "inputs", type);
  Tensor& y = single(rt, node, "outputs", type);
  if (!is_q8(x) || !is_q8(y) || x.shape.size() != 4)
    fail("quant_mismatch", type + " '" + node.value("name", type) + "': NHWC int8/uint8 tensors expected");
  return std::make_unique<PoolOp>(node, type, x, y);
}

std::unique_ptr<Op> make_shape_op(Runtime& rt, const json& node, const std::string& type) {
  Tensor& y = single(rt, node, "outputs", type);
  if (type == "concat") return std::make_unique<ConcatOp>(rt, node, y);
  Tensor& x = single(rt, node, "inputs", type);
  if (type == "reshape") return std::make_unique<ReshapeOp>(x, y);
  if (type == "transpose") return std::make_unique<TransposeOp>(node, x, y);
  if (type == "pad") return std::make_unique<PadOp>(node, x, y);
  return std::make_unique<ResizeOp>(node, type == "resize_bilinear", x, y);
}

std::unique_ptr<Op> make_elementwise(Runtime& rt, const json& node, const std::string& type) {
  Tensor& x = single(rt, node, "inputs", type);
  Tensor& y = single(rt, node, "outputs", type);
  return std::make_unique<ElementwiseOp>(rt, node, type, x, y);
}

}  // namespace farm
