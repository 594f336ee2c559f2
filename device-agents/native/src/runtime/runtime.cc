// Plan loading, tensor storage and the run loop.
#include "runtime.h"

#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>

#include "ops.h"

namespace farm {

const char* dtype_name(DType t) {
  switch (t) {
    case DType::I8: return "int8";
    case DType::U8: return "uint8";
    case DType::I32: return "int32";
    case DType::F32: return "float32";
  }
  return "?";
}

size_t dtype_size(DType t) { return (t == DType::I8 || t == DType::U8) ? 1 : 4; }

size_t Tensor::numel() const {
  size_t n = 1;
  for (int64_t d : shape) n *= size_t(d);
  return n;
}

void fail(const std::string& code, const std::string& msg) { throw Error(code, msg); }

static DType parse_dtype(const std::string& s, const std::string& tname) {
  if (s == "int8") return DType::I8;
  if (s == "uint8") return DType::U8;
  if (s == "int32") return DType::I32;
  if (s == "float32") return DType::F32;
  fail("bad_plan", "tensor '" + tname + "': unsupported dtype '" + s + "'");
}

static std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) fail("io_error", "cannot open " + path);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

Tensor& Runtime::tensor(int id) {
  if (id < 0 || size_t(id) >= id_to_index_.size() || id_to_index_[id] < 0)
    fail("bad_plan", "unknown tensor id " + std::to_string(id));
  return *tensors_[id_to_index_[id]];
}

std::unique_ptr<Runtime> Runtime::load(const std::string& plan_path, const RuntimeOptions& opts) {
  std::unique_ptr<Runtime> rt(new Runtime());
  rt->opts_ = opts;
  rt->isa_ = opts.force_scalar ? "scalar" : build_isa();
  json plan;
  try {
    plan = json::parse(read_file(plan_path));
  } catch (const json::exception& e) {
    fail("bad_plan", std::string("invalid JSON: ") + e.what());
  }
  try {
    if (plan.value("format", "") != "farm-int8-plan") fail("bad_plan", "format is not farm-int8-plan");
    if (plan.value("version", 0) != 1) fail("bad_plan", "unsupported plan version");
    if (plan.value("layout", "NHWC") != "NHWC") fail("bad_plan", "only layout NHWC is supported");

    std::string bin_path;
    const size_t slash = plan_path.find_last_of('/');
    const std::string dir = slash == std::string::npos ? "" : plan_path.substr(0, slash + 1);
    if (plan.contains("bin") && plan["bin"].is_string()) {
      bin_path = dir + plan["bin"].get<std::string>();
    } else if (plan_path.size() > 5 && plan_path.compare(plan_path.size() - 5, 5, ".json") == 0) {
      bin_path = plan_path.substr(0, plan_path.size() - 5) + ".bin";
    } else {
      bin_path = plan_path + ".bin";
    }
    std::string bin;
    bool bin_loaded = false;

    for (const json& jt : plan.at("tensors")) {
      auto t = std::make_unique<Tensor>();
      t->id = jt.at("id").get<int>();
      t->name = jt.value("name", "t" + std::to_string(t->id));
      t->dtype = parse_dtype(jt.at("dtype").get<std::string>(), t->name);
      t->shape = jt.at("shape").get<std::vector<int64_t>>();
      for (int64_t d : t->shape)
        if (d < 0) fail("bad_plan", "tensor '" + t->name + "': negative dimension");
      if (jt.contains("quant") && !jt["quant"].is_null() && t->dtype != DType::F32) {
        const json& q = jt["quant"];
        t->scales = q.at("scale").get<std::vector<float>>();
        t->zero_points = q.at("zeroPoint").get<std::vector<int32_t>>();
        t->axis = (q.contains("axis") && !q["axis"].is_null()) ? q["axis"].get<int>() : -1;
        if (t->axis < 0 && t->axis != -1) fail("bad_plan", "tensor '" + t->name + "': bad quant axis");
        if (t->scales.empty() || t->scales.size() != t->zero_points.size())
          fail("bad_plan", "tensor '" + t->name + "': scale/zeroPoint length mismatch");
        t->quantized = t->dtype != DType::I32;
      }
      if ((t->dtype == DType::I8 || t->dtype == DType::U8) && !t->quantized)
        fail("bad_plan", "tensor '" + t->name + "': int8/uint8 tensor without quant");
      const size_t bytes = t->bytes();
      t->storage.assign(bytes + 64, 0);
      if (jt.contains("data") && !jt["data"].is_null()) {
        if (!bin_loaded) {
          bin = read_file(bin_path);
          bin_loaded = true;
        }
        const size_t off = jt["data"].at("offset").get<size_t>();
        const size_t len = jt["data"].at("length").get<size_t>();
        if (len != bytes) fail("bad_plan", "tensor '" + t->name + "': data length does not match shape");
        if (off + len > bin.size()) fail("bad_plan", "tensor '" + t->name + "': data beyond end of .bin");
        std::memcpy(t->storage.data(), bin.data() + off, len);
        if (t->dtype == DType::U8)
          for (size_t i = 0; i < len; i++) t->storage[i] ^= 0x80;
        t->is_const = true;
      }
      if (t->id < 0 || t->id > 10000000) fail("bad_plan", "tensor id out of range");
      if (size_t(t->id) >= rt->id_to_index_.size()) rt->id_to_index_.resize(t->id + 1, -1);
      if (rt->id_to_index_[t->id] >= 0) fail("bad_plan", "duplicate tensor id " + std::to_string(t->id));
      rt->id_to_index_[t->id] = int(rt->tensors_.size());
      rt->tensors_.push_back(std::move(t));
    }
    for (int id : plan.at("inputs").get<std::vector<int>>()) {
      rt->tensor(id);
      rt->inputs_.push_back(rt->id_to_index_[id]);
    }
    for (int id : plan.at("outputs").get<std::vector<int>>()) {
      rt->tensor(id);
      rt->outputs_.push_back(rt->id_to_index_[id]);
    }
    for (const json& node : plan.at("ops")) rt->ops_.push_back(create_op(*rt, node));
  } catch (const json::exception& e) {
    fail("bad_plan", std::string("plan schema: ") + e.what());
  }
  return rt;
}

void Runtime::set_input(size_t i, const uint8_t* bytes) {
  Tensor& t = *tensors_[inputs_[i]];
  std::memcpy(t.data(), bytes, t.bytes());
  if (t.dtype == DType::U8)
    for (size_t k = 0; k < t.bytes(); k++) t.storage[k] ^= 0x80;
}

void Runtime::get_output(size_t i, uint8_t* bytes) const {
  const Tensor& t = *tensors_[outputs_[i]];
  std::memcpy(bytes, t.data(), t.bytes());
  if (t.dtype == DType::U8)
    for (size_t k = 0; k < t.bytes(); k++) bytes[k] ^= 0x80;
}

void Runtime::run() {
  for (auto& op : ops_) op->run();
}

void Runtime::run_profiled(std::vector<double>& op_ms) {
  op_ms.resize(ops_.size(), 0.0);
  for (size_t i = 0; i < ops_.size(); i++) {
    const auto t0 = std::chrono::steady_clock::now();
    ops_[i]->run();
    const auto t1 = std::chrono::steady_clock::now();
    op_ms[i] += std::chrono::duration<double, std::milli>(t1 - t0).count();
  }
}

// ------------------------------------------------------------------ op helpers

std::vector<int64_t> attr_ints(const json& attrs, const char* key, std::vector<int64_t> dflt) {
  if (!attrs.is_object() || !attrs.contains(key) || attrs[key].is_null()) return dflt;
  return attrs[key].get<std::vector<int64_t>>();
}

int64_t attr_int(const json& attrs, const char* key, int64_t dflt) {
  if (!attrs.is_object() || !attrs.contains(key) || attrs[key].is_null()) return dflt;
  return attrs[key].get<int64_t>();
}

void output_clamp(const json& attrs, const Tensor& y, int32_t& lo, int32_t& hi) {
  const int32_t off = y.dtype == DType::U8 ? 128 : 0;
  lo = -128;
  hi = 127;
  if (attrs.is_object() && attrs.contains("clampMin") && !attrs["clampMin"].is_null())
    lo = std::max<int32_t>(lo, attrs["clampMin"].get<int32_t>() - off);
  if (attrs.is_object() && attrs.contains("clampMax") && !attrs["clampMax"].is_null())
    hi = std::min<int32_t>(hi, attrs["clampMax"].get<int32_t>() - off);
  if (lo > hi) fail("unsupported_attr", "clampMin > clampMax");
}

std::unique_ptr<Op> create_op(Runtime& rt, const json& node) {
  const std::string type = node.at("type").get<std::string>();
  const std::string name = node.value("name", type);
  std::unique_ptr<Op> op;
  if (type == "conv2d") op = make_conv(rt, node, false);
  else if (type == "depthwise_conv2d") op = make_conv(rt, node, true);
  else if (type == "fully_connected") op = make_fully_connected(rt, node);
  else if (type == "add") op = make_add(rt, node);
  else if (type == "max_pool" || type == "avg_pool" || type == "global_avg_pool") op = make_pool(rt, node, type);
  else if (type == "concat" || type == "reshape" || type == "transpose" || type == "pad" ||
           type == "resize_nearest" || type == "resize_bilinear")
    op = make_shape_op(rt, node, type);
  else if (type == "quantize" || type == "dequantize" || type == "sigmoid" || type == "softmax" ||
           type == "relu" || type == "clip")
    op = make_elementwise(rt, node, type);
  else
    fail("unsupported_op", "unsupported op type '" + type + "' in node '" + name + "'");
  op->name = name;
  op->type = type;
  return op;
}

}  // namespace farm
