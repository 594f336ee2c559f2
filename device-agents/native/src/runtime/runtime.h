// The int8 inference runtime: loads a farm-int8-plan (PLAN_FORMAT.md), packs weights,
// plans buffers once at load time, then runs the ops in plan order.
#pragma once
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace farm {

// Errors carry the stable codes listed in PLAN_FORMAT.md ("Runner contract").
class Error : public std::runtime_error {
 public:
  Error(std::string code, const std::string& message) : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

enum class DType { I8, U8, I32, F32 };
const char* dtype_name(DType t);
size_t dtype_size(DType t);

struct Tensor {
  int id = 0;
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  bool quantized = false;
  std::vector<float> scales;
  std::vector<int32_t> zero_points;  // as declared (uint8 domain for uint8)
  int axis = -1;                     // -1: per-tensor
  bool is_const = false;
  // Internal bytes: quantized values are always stored as int8 (uint8 shifted by -128),
  // so kernels see one type. Allocated with slack so vector kernels may over-read.
  std::vector<uint8_t> storage;

  size_t numel() const;
  size_t bytes() const { return numel() * dtype_size(dtype); }
  uint8_t* data() { return storage.data(); }
  const uint8_t* data() const { return storage.data(); }
  float scale() const { return scales.empty() ? 1.0f : scales[0]; }
  // Zero point in the internal int8 domain.
  int32_t zp() const { return zero_points.empty() ? 0 : zero_points[0] - (dtype == DType::U8 ? 128 : 0); }
  int32_t zp_at(size_t i) const { return zero_points[i] - (dtype == DType::U8 ? 128 : 0); }
};

class Op {
 public:
  virtual ~Op() = default;
  virtual void run() = 0;
  std::string name;
  std::string type;
};

struct RuntimeOptions {
  bool force_scalar = false;  // use the scalar twins instead of the build's ISA kernels
};

class Runtime {
 public:
  static std::unique_ptr<Runtime> load(const std::string& plan_path, const RuntimeOptions& opts);

  size_t num_inputs() const { return inputs_.size(); }
  size_t num_outputs() const { return outputs_.size(); }
  const Tensor& input(size_t i) const { return *tensors_[inputs_[i]]; }
  const Tensor& output(size_t i) const { return *tensors_[outputs_[i]]; }
  // External bytes (uint8 as uint8) in and out.
  void set_input(size_t i, const uint8_t* bytes);
  void get_output(size_t i, uint8_t* bytes) const;

  void run();
  // Runs once, adding each op's time in milliseconds to op_ms (sized num_ops()).
  void run_profiled(std::vector<double>& op_ms);

  size_t num_ops() const { return ops_.size(); }
  const Op& op(size_t i) const { return *ops_[i]; }
  const char* isa() const { return isa_; }

  // Used by op constructors.
  Tensor& tensor(int id);
  std::vector<int16_t>& scratch16() { return scratch16_; }
  std::vector<float>& scratch_f32() { return scratch_f32_; }
  void reserve_scratch16(size_t n) { if (n > scratch16_.size()) scratch16_.resize(n); }
  void reserve_scratch_f32(size_t n) { if (n > scratch_f32_.size()) scratch_f32_.resize(n); }
  bool force_scalar() const { return opts_.force_scalar; }

 private:
  RuntimeOptions opts_;
  const char* isa_ = "scalar";
  std::vector<std::unique_ptr<Tensor>> tensors_;
  std::vector<int> id_to_index_;
  std::vector<int> inputs_, outputs_;  // indices into tensors_
  std::vector<std::unique_ptr<Op>> ops_;
  std::vector<int16_t> scratch16_;
  std::vector<float> scratch_f32_;
};

}  // namespace farm
