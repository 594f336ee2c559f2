// The command line and the error line of the native-runner contract
// (libs/contracts/src/native-runner.schema.ts), for runner programs that do not link a JSON
// library: opencv_runner and ncnn-runner parse their flags and print their errors with this one
// header, so the two cannot drift apart. (int8-runner predates it and keeps its own parser, on
// nlohmann::json.)
#pragma once

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace farm {

struct InputSpec {
  std::string name;
  std::vector<int> shape;
  std::string file;
};

struct RunnerArgs {
  std::string model;
  // --weights: the second file of a two-file model (NCNN .bin beside its .param). Only runners
  // that call parse_runner_args with accept_weights take it; the others refuse it as unknown.
  std::string weights;
  std::vector<InputSpec> inputs;
  int threads = 1;
  int warmup = 0;
  int runs = 1;
  int profileRuns = 0;
  std::string outputFile;
};

// A request the runner refuses (exit 3, bad_arguments).
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A file the runner cannot read or write (exit 1, io_error).
struct IoError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

inline std::string json_number(double v) {
  std::ostringstream os;
  os.precision(17);
  os << v;
  return os.str();
}

inline int parse_int(const std::string& flag, const std::string& v, int min) {
  size_t used = 0;
  int n = 0;
  try {
    n = std::stoi(v, &used);
  } catch (...) {
    used = 0;
  }
  if (used != v.size() || n < min) throw UsageError(flag + " needs an integer >= " + std::to_string(min) + ", got '" + v + "'");
  return n;
}

// NAME:D0xD1x...:FILE. The name may itself contain ':' (ONNX names like "input:0"), so the two
// fields after it are split from the right.
inline InputSpec parse_input(const std::string& v) {
  const size_t fileSep = v.rfind(':');
  const size_t shapeSep = fileSep == std::string::npos || fileSep == 0 ? std::string::npos : v.rfind(':', fileSep - 1);
  if (shapeSep == std::string::npos) throw UsageError("--input needs NAME:SHAPE:FILE, got '" + v + "'");
  InputSpec spec{v.substr(0, shapeSep), {}, v.substr(fileSep + 1)};
  std::stringstream dims(v.substr(shapeSep + 1, fileSep - shapeSep - 1));
  std::string d;
  while (std::getline(dims, d, 'x')) spec.shape.push_back(parse_int("--input dim", d, 1));
  if (spec.shape.empty() || spec.file.empty()) throw UsageError("--input needs NAME:SHAPE:FILE, got '" + v + "'");
  return spec;
}

inline RunnerArgs parse_runner_args(int argc, char** argv, bool accept_weights) {
  RunnerArgs a;
  for (int i = 1; i < argc; i++) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) throw UsageError(flag + " needs a value");
    const std::string v = argv[++i];
    if (flag == "--model") a.model = v;
    else if (flag == "--weights" && accept_weights) a.weights = v;
    else if (flag == "--input") a.inputs.push_back(parse_input(v));
    else if (flag == "--threads") a.threads = parse_int(flag, v, 1);
    else if (flag == "--warmup") a.warmup = parse_int(flag, v, 0);
    else if (flag == "--runs") a.runs = parse_int(flag, v, 1);
    else if (flag == "--profile-runs") a.profileRuns = parse_int(flag, v, 0);
    else if (flag == "--output") a.outputFile = v;
    else throw UsageError("unknown argument " + flag);
  }
  if (a.model.empty()) throw UsageError("--model is required");
  if (a.inputs.empty()) throw UsageError("at least one --input is required");
  return a;
}

inline double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// The contract's error line on stderr, then the exit status: 2 model_rejected (permanent),
// 3 bad_arguments, 1 io_error / internal.
[[noreturn]] inline void fail(int exitCode, const std::string& code, const std::string& message) {
  std::cerr << "{\"error\":{\"code\":" << json_string(code) << ",\"message\":" << json_string(message) << "}}" << std::endl;
  std::exit(exitCode);
}

// The report's last field: the process's peak resident memory (ru_maxrss is in KiB on Linux and Android).
inline std::string peak_memory_field() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return ",\"peakMemoryBytes\":" + std::to_string(static_cast<long long>(usage.ru_maxrss) * 1024);
}

// Runs a runner's body, turning what escapes it into the contract's error line and exit status.
template <class Body>
int report_errors(Body body) {
  try {
    return body();
  } catch (const UsageError& e) {
    fail(3, "bad_arguments", e.what());
  } catch (const IoError& e) {
    fail(1, "io_error", e.what());
  } catch (const std::exception& e) {
    fail(1, "internal", e.what());
  }
}

}  // namespace farm
