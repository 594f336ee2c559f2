// int8-runner: loads a plan, times load / first inference / steady-state runs / per-op
// profile runs, and prints one JSON report on stdout. It speaks the native-runner contract
// shared with opencv_runner (libs/contracts/src/native-runner.schema.ts; PLAN_FORMAT.md,
// "Runner contract"): the same flags, report fields, error line and exit statuses.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../kernels/kernels.h"
#include "../runtime/runtime.h"
#include "layer_medians.h"

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

const char* kVersion = "0.1.0";

struct InputSpec {
  std::string name;
  size_t elements = 1;
  std::string file;
};

// Exit statuses of the contract: 3 a request the runner refuses, 2 a model it cannot run, 1 the rest.
int exit_status(const std::string& code) {
  if (code == "bad_arguments" || code == "unsupported_option") return 3;
  if (code == "bad_plan" || code == "unsupported_op" || code == "unsupported_attr" || code == "shape_mismatch" ||
      code == "quant_mismatch" || code == "model_rejected")
    return 2;
  return 1;
}

[[noreturn]] void die(const std::string& code, const std::string& message) {
  json err = {{"error", {{"code", code}, {"message", message}}}};
  std::cerr << err.dump() << std::endl;
  std::exit(exit_status(code));
}

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

long parse_count(const std::string& flag, const std::string& v, long min) {
  char* end = nullptr;
  const long n = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || !end || *end || n < min) die("bad_arguments", flag + " needs an integer >= " + std::to_string(min) + ", got '" + v + "'");
  return n;
}

// NAME:D0xD1x...:FILE. The name may itself contain ':' (ONNX names like "input:0"), so the two
// fields after it are split from the right.
InputSpec parse_input(const std::string& v) {
  const size_t file_sep = v.rfind(':');
  const size_t shape_sep = file_sep == std::string::npos || file_sep == 0 ? std::string::npos : v.rfind(':', file_sep - 1);
  if (shape_sep == std::string::npos) die("bad_arguments", "--input needs NAME:SHAPE:FILE, got '" + v + "'");
  InputSpec spec{v.substr(0, shape_sep), 1, v.substr(file_sep + 1)};
  const std::string dims = v.substr(shape_sep + 1, file_sep - shape_sep - 1);
  size_t start = 0;
  while (true) {
    const size_t x = dims.find('x', start);
    spec.elements *= size_t(parse_count("--input dim", dims.substr(start, x - start), 1));
    if (x == std::string::npos) break;
    start = x + 1;
  }
  if (spec.file.empty()) die("bad_arguments", "--input needs NAME:SHAPE:FILE, got '" + v + "'");
  return spec;
}

// Reads one graph input's bytes. The dims name the caller's view of the tensor (ONNX's layout,
// say): only the element count must agree with the plan's storage shape.
void read_input(const farm::Tensor& t, const InputSpec& spec, uint8_t* dst) {
  if (spec.elements != t.numel())
    die("bad_arguments", "--input " + spec.name + " has " + std::to_string(spec.elements) + " elements, the plan's input has " +
                             std::to_string(t.numel()));
  std::ifstream f(spec.file, std::ios::binary);
  if (!f) die("io_error", "cannot open input file " + spec.file);
  f.read(reinterpret_cast<char*>(dst), std::streamsize(t.bytes()));
  if (size_t(f.gcount()) != t.bytes() || f.peek() != EOF)
    die("bad_arguments", "input file " + spec.file + " must hold exactly " + std::to_string(t.bytes()) + " bytes");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--version") {
    nlohmann::ordered_json v = {{"runner", "int8-runner"}, {"version", kVersion}, {"isa", farm::build_isa()}};
    std::cout << v.dump() << std::endl;
    return 0;
  }
  std::string model, output;
  std::vector<InputSpec> inputs;
  long warmup = -1, runs = -1, profile_runs = -1, threads = 1;
  bool force_scalar = false;
  for (int i = 1; i < argc; i++) {
    const std::string a = argv[i];
    if (i + 1 >= argc) die("bad_arguments", a + " needs a value");
    const std::string v = argv[++i];
    if (a == "--model") model = v;
    else if (a == "--input") inputs.push_back(parse_input(v));
    else if (a == "--output") output = v;
    else if (a == "--warmup") warmup = parse_count(a, v, 0);
    else if (a == "--runs") runs = parse_count(a, v, 1);
    else if (a == "--profile-runs") profile_runs = parse_count(a, v, 0);
    else if (a == "--threads") threads = parse_count(a, v, 1);
    else if (a == "--isa") {
      // int8-runner's own flag: run the scalar twins instead of the build's SIMD kernels.
      if (v == "scalar") force_scalar = true;
      else if (v != "native") die("bad_arguments", "--isa takes scalar or native");
    } else die("bad_arguments", "unknown argument " + a);
  }
  if (model.empty()) die("bad_arguments", "--model is required (the plan's .plan.json)");
  if (warmup < 0 || runs < 0 || profile_runs < 0) die("bad_arguments", "--warmup, --runs and --profile-runs are required");
  if (threads != 1) die("unsupported_option", "only --threads 1 is supported: the runtime is single-threaded");

  try {
    const auto t_load = Clock::now();
    farm::RuntimeOptions opts;
    opts.force_scalar = force_scalar;
    auto rt = farm::Runtime::load(model, opts);
    const double load_ms = ms_since(t_load);

    // One --input per graph input, matched by name; the plan fixes the order of the bytes.
    if (inputs.size() != rt->num_inputs())
      die("bad_arguments", "the plan has " + std::to_string(rt->num_inputs()) + " inputs, got " + std::to_string(inputs.size()) + " --input");
    for (size_t i = 0; i < rt->num_inputs(); i++) {
      const farm::Tensor& t = rt->input(i);
      const InputSpec* spec = nullptr;
      for (const auto& s : inputs)
        if (s.name == t.name) spec = &s;
      if (!spec) die("bad_arguments", "no --input for the plan's input \"" + t.name + "\"");
      std::vector<uint8_t> bytes(t.bytes());
      read_input(t, *spec, bytes.data());
      rt->set_input(i, bytes.data());
    }

    const auto t_first = Clock::now();
    rt->run();
    const double first_ms = ms_since(t_first);

    json outs = json::array();
    std::vector<uint8_t> out_bytes;
    for (size_t i = 0; i < rt->num_outputs(); i++) {
      const farm::Tensor& t = rt->output(i);
      const size_t o = out_bytes.size();
      out_bytes.resize(o + t.bytes());
      rt->get_output(i, out_bytes.data() + o);
      outs.push_back({{"name", t.name}, {"dtype", farm::dtype_name(t.dtype)}, {"shape", t.shape}});
    }
    if (!output.empty()) {
      std::ofstream f(output, std::ios::binary);
      f.write(reinterpret_cast<const char*>(out_bytes.data()), std::streamsize(out_bytes.size()));
      if (!f) die("io_error", "cannot write output file " + output);
    }

    for (long i = 0; i < warmup; i++) rt->run();
    std::vector<double> lat;
    lat.reserve(size_t(runs));
    for (long i = 0; i < runs; i++) {
      const auto t0 = Clock::now();
      rt->run();
      lat.push_back(ms_since(t0));
    }
    std::vector<std::vector<double>> run_op_ms(size_t(profile_runs), std::vector<double>(rt->num_ops(), 0.0));
    for (auto& op_ms : run_op_ms) rt->run_profiled(op_ms);
    // Each op's median over the profiled runs (layer_medians.h).
    const std::vector<double> op_ms = farm::layer_medians(run_op_ms);
    json layers = json::array();
    if (profile_runs > 0) {
      for (size_t i = 0; i < rt->num_ops(); i++) {
        // The op's time in each profiled run, so the farm can put an interval on per-layer deltas.
        json samples = json::array();
        for (const auto& run : run_op_ms) samples.push_back(run[i]);
        layers.push_back({{"name", rt->op(i).name}, {"opType", rt->op(i).type}, {"timeMs", op_ms[i]}, {"samplesMs", samples}});
      }
    }
    struct rusage ru {};
    getrusage(RUSAGE_SELF, &ru);
    nlohmann::ordered_json report = {{"runner", "int8-runner"},
                                     {"version", kVersion},
                                     {"isa", rt->isa()},
                                     {"threads", 1},
                                     {"loadMs", load_ms},
                                     {"firstInferenceMs", first_ms},
                                     {"latenciesMs", lat},
                                     {"profiledRuns", profile_runs},
                                     {"layers", layers},
                                     {"peakMemoryBytes", int64_t(ru.ru_maxrss) * 1024},
                                     {"outputs", outs}};
    std::cout << report.dump() << std::endl;
  } catch (const farm::Error& e) {
    die(e.code(), e.what());
  } catch (const std::exception& e) {
    die("internal", e.what());
  }
  return 0;
}
