// Op construction from a plan's JSON node; shared by the op implementation files.
#pragma once
#include <nlohmann/json.hpp>

#include "../kernels/kernels.h"
#include "runtime.h"

namespace farm {

using json = nlohmann::json;

std::unique_ptr<Op> create_op(Runtime& rt, const json& node);

// Helpers shared by the op files.
[[noreturn]] void fail(const std::string& code, const std::string& msg);
std::vector<int64_t> attr_ints(const json& attrs, const char* key, std::vector<int64_t> dflt);
int64_t attr_int(const json& attrs, const char* key, int64_t dflt);

// Clamp bounds for a quantized output, from clampMin/clampMax given in the output's
// declared dtype domain, converted to the internal int8 domain.
void output_clamp(const json& attrs, const Tensor& y, int32_t& lo, int32_t& hi);

std::unique_ptr<Op> make_conv(Runtime& rt, const json& node, bool depthwise_declared);
std::unique_ptr<Op> make_fully_connected(Runtime& rt, const json& node);
std::unique_ptr<Op> make_add(Runtime& rt, const json& node);
std::unique_ptr<Op> make_pool(Runtime& rt, const json& node, const std::string& type);
std::unique_ptr<Op> make_shape_op(Runtime& rt, const json& node, const std::string& type);
std::unique_ptr<Op> make_elementwise(Runtime& rt, const json& node, const std::string& type);

}  // namespace farm
