// int8-runner: loads a plan, times load / first inference / steady-state runs / per-op
// profile runs, and prints one JSON report on stdout (contract in PLAN_FORMAT.md).
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "../runtime/runtime.h"
#include "layer_medians.h"

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

const char* kVersion = "0.1.0";

[[noreturn]] void die(const std::string& code, const std::string& message) {
  json err = {{"error", {{"code", code}, {"message", message}}}};
  std::cerr << err.dump() << std::endl;
  std::exit(code == "bad_arguments" ? 2 : 1);
}

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

long parse_count(const char* flag, const char* v) {
  char* end = nullptr;
  const long n = std::strtol(v, &end, 10);
  if (!end || *end || n < 0) die("bad_arguments", std::string(flag) + " needs a non-negative integer");
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  std::string plan, input, output;
  long seed = 1, warmup = -1, runs = -1, profile_runs = -1, threads = 1;
  bool force_scalar = false;
  for (int i = 1; i < argc; i++) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) die("bad_arguments", a + " needs a value");
      return argv[++i];
    };
    if (a == "--plan") plan = value();
    else if (a == "--input") input = value();
    else if (a == "--output") output = value();
    else if (a == "--seed") seed = parse_count("--seed", value());
    else if (a == "--warmup") warmup = parse_count("--warmup", value());
    else if (a == "--runs") runs = parse_count("--runs", value());
    else if (a == "--profile-runs") profile_runs = parse_count("--profile-runs", value());
    else if (a == "--threads") threads = parse_count("--threads", value());
    else if (a == "--isa") {
      const std::string isa = value();
      if (isa == "scalar") force_scalar = true;
      else if (isa != "native") die("bad_arguments", "--isa takes scalar or native");
    } else die("bad_arguments", "unknown argument " + a);
  }
  if (plan.empty()) die("bad_arguments", "--plan is required");
  if (warmup < 0 || runs < 0 || profile_runs < 0) die("bad_arguments", "--warmup, --runs and --profile-runs are required");
  if (threads != 1) die("unsupported_option", "only --threads 1 is supported: the runtime is single-threaded");

  try {
    const auto t_load = Clock::now();
    farm::RuntimeOptions opts;
    opts.force_scalar = force_scalar;
    auto rt = farm::Runtime::load(plan, opts);
    const double load_ms = ms_since(t_load);

    // Inputs: the file holds every input's bytes back to back, in plan order.
    size_t total = 0;
    for (size_t i = 0; i < rt->num_inputs(); i++) total += rt->input(i).bytes();
    std::vector<uint8_t> bytes(total);
    if (!input.empty()) {
      std::ifstream f(input, std::ios::binary);
      if (!f) die("io_error", "cannot open input file " + input);
      f.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(total));
      if (size_t(f.gcount()) != total || f.peek() != EOF)
        die("io_error", "input file must hold exactly " + std::to_string(total) + " bytes");
    } else {
      std::mt19937 gen{static_cast<uint32_t>(seed)};
      size_t off = 0;
      for (size_t i = 0; i < rt->num_inputs(); i++) {
        const farm::Tensor& t = rt->input(i);
        if (t.dtype == farm::DType::F32) {
          std::uniform_real_distribution<float> d(0.0f, 1.0f);
          for (size_t k = 0; k < t.numel(); k++) {
            const float v = d(gen);
            std::memcpy(&bytes[off + 4 * k], &v, 4);
          }
        } else {
          for (size_t k = 0; k < t.bytes(); k++) bytes[off + k] = uint8_t(gen() & 0xff);
        }
        off += t.bytes();
      }
    }
    size_t off = 0;
    for (size_t i = 0; i < rt->num_inputs(); i++) {
      rt->set_input(i, bytes.data() + off);
      off += rt->input(i).bytes();
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
    for (size_t i = 0; i < rt->num_ops(); i++) {
      const double t = op_ms.empty() ? 0.0 : op_ms[i];
      layers.push_back({{"name", rt->op(i).name}, {"opType", rt->op(i).type}, {"timeMs", t}});
    }
    struct rusage ru {};
    getrusage(RUSAGE_SELF, &ru);
    nlohmann::ordered_json report = {{"runtime", "int8-runner"},
                   {"version", kVersion},
                   {"isa", rt->isa()},
                   {"threads", 1},
                   {"loadMs", load_ms},
                   {"firstInferenceMs", first_ms},
                   {"latenciesMs", lat},
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
