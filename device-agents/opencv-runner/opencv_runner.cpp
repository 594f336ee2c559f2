// Benchmarks one model with OpenCV's DNN module and prints ONE JSON report on stdout.
// Driven by the agent's opencv-dnn runner, which builds the argument vector itself (no shell)
// and supplies input bytes from the shared input synthesis, so every framework sees the same data.
// Speaks the native-runner contract (libs/contracts/src/native-runner.schema.ts), like int8-runner:
//
// usage: opencv_runner --model PATH --input NAME:D0xD1x...:FILE [--input ...]
//                      --threads N --warmup N --runs N --profile-runs N [--output PATH]
//        opencv_runner --version      (prints {"runner","version"}: lets the agent probe without a model)
// Input files hold raw little-endian float32 values. --output receives every output blob's
// raw bytes, concatenated in the report's `outputs` order, for the caller to digest.
// Errors: one line {"error":{"code","message"}} on stderr and exit 2 (model_rejected, permanent),
// 3 (bad_arguments) or 1 (io_error, internal).
#include <opencv2/core.hpp>
#include <opencv2/core/utility.hpp>
#include <opencv2/dnn.hpp>

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "layer_medians.h"

namespace {

struct InputSpec {
  std::string name;
  std::vector<int> shape;
  std::string file;
};

struct Args {
  std::string model;
  std::vector<InputSpec> inputs;
  int threads = 1;
  int warmup = 0;
  int runs = 1;
  int profileRuns = 0;
  std::string outputFile;
};

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct IoError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string jsonString(const std::string& s) {
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

std::string jsonNumber(double v) {
  std::ostringstream os;
  os.precision(17);
  os << v;
  return os.str();
}

int parseInt(const std::string& flag, const std::string& v, int min) {
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
InputSpec parseInput(const std::string& v) {
  const size_t fileSep = v.rfind(':');
  const size_t shapeSep = fileSep == std::string::npos || fileSep == 0 ? std::string::npos : v.rfind(':', fileSep - 1);
  if (shapeSep == std::string::npos) throw UsageError("--input needs NAME:SHAPE:FILE, got '" + v + "'");
  InputSpec spec{v.substr(0, shapeSep), {}, v.substr(fileSep + 1)};
  std::stringstream dims(v.substr(shapeSep + 1, fileSep - shapeSep - 1));
  std::string d;
  while (std::getline(dims, d, 'x')) spec.shape.push_back(parseInt("--input dim", d, 1));
  if (spec.shape.empty() || spec.file.empty()) throw UsageError("--input needs NAME:SHAPE:FILE, got '" + v + "'");
  return spec;
}

Args parseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; i++) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) throw UsageError(flag + " needs a value");
    const std::string v = argv[++i];
    if (flag == "--model") a.model = v;
    else if (flag == "--input") a.inputs.push_back(parseInput(v));
    else if (flag == "--threads") a.threads = parseInt(flag, v, 1);
    else if (flag == "--warmup") a.warmup = parseInt(flag, v, 0);
    else if (flag == "--runs") a.runs = parseInt(flag, v, 1);
    else if (flag == "--profile-runs") a.profileRuns = parseInt(flag, v, 0);
    else if (flag == "--output") a.outputFile = v;
    else throw UsageError("unknown argument " + flag);
  }
  if (a.model.empty()) throw UsageError("--model is required");
  if (a.inputs.empty()) throw UsageError("at least one --input is required");
  return a;
}

cv::Mat loadInput(const InputSpec& spec) {
  cv::Mat blob(static_cast<int>(spec.shape.size()), spec.shape.data(), CV_32F);
  const size_t bytes = blob.total() * blob.elemSize();
  std::ifstream in(spec.file, std::ios::binary | std::ios::ate);
  if (!in) throw IoError("cannot open input file " + spec.file);
  if (static_cast<size_t>(in.tellg()) != bytes) {
    throw UsageError("input file " + spec.file + " has " + std::to_string(static_cast<long long>(in.tellg())) +
                     " bytes, shape needs " + std::to_string(bytes));
  }
  in.seekg(0);
  in.read(reinterpret_cast<char*>(blob.data), static_cast<std::streamsize>(bytes));
  return blob;
}

double msSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

[[noreturn]] void fail(int exitCode, const std::string& code, const std::string& message) {
  std::cerr << "{\"error\":{\"code\":" << jsonString(code) << ",\"message\":" << jsonString(message) << "}}" << std::endl;
  std::exit(exitCode);
}

// The contract's dtype names for the Mat depths OpenCV DNN produces.
const char* dtypeName(int depth) {
  switch (depth) {
    case CV_32F: return "float32";
    case CV_32S: return "int32";
    case CV_8S: return "int8";
    case CV_8U: return "uint8";
    case CV_16F: return "float16";
    case CV_64F: return "float64";
    default: return "unknown";
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--version") {
    std::cout << "{\"runner\":\"opencv_runner\",\"version\":" << jsonString(cv::getVersionString()) << "}" << std::endl;
    return 0;
  }
  Args args;
  try {
    args = parseArgs(argc, argv);
  } catch (const UsageError& e) {
    fail(3, "bad_arguments", e.what());
  }

  try {
    std::vector<cv::Mat> blobs;
    for (const auto& spec : args.inputs) blobs.push_back(loadInput(spec));
    cv::setNumThreads(args.threads);

    cv::dnn::Net net;
    std::vector<std::string> outNames;
    std::vector<cv::Mat> outs;
    double loadMs = 0;
    double firstMs = 0;
    // Reading the graph and the first forward() (where OpenCV builds and fuses layers and
    // allocates blobs) are where an unsupported model fails: both count as the model being rejected.
    try {
      const auto loadStart = std::chrono::steady_clock::now();
      net = cv::dnn::readNet(args.model);
      if (net.empty()) throw std::runtime_error("cv::dnn::readNet returned an empty network");
      net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
      net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
      loadMs = msSince(loadStart);
      outNames = net.getUnconnectedOutLayersNames();
      for (size_t i = 0; i < blobs.size(); i++) net.setInput(blobs[i], args.inputs[i].name);
      const auto firstStart = std::chrono::steady_clock::now();
      net.forward(outs, outNames);
      firstMs = msSince(firstStart);
    } catch (const cv::Exception& e) {
      fail(2, "model_rejected", e.what());
    }

    if (!args.outputFile.empty()) {
      std::ofstream out(args.outputFile, std::ios::binary | std::ios::trunc);
      for (const auto& m : outs) {
        const cv::Mat c = m.isContinuous() ? m : m.clone();
        out.write(reinterpret_cast<const char*>(c.data), static_cast<std::streamsize>(c.total() * c.elemSize()));
      }
      if (!out) throw IoError("cannot write output file " + args.outputFile);
    }

    std::vector<cv::Mat> scratch;
    for (int i = 0; i < args.warmup; i++) net.forward(scratch, outNames);
    std::vector<double> latencies;
    latencies.reserve(args.runs);
    for (int i = 0; i < args.runs; i++) {
      const auto start = std::chrono::steady_clock::now();
      net.forward(scratch, outNames);
      latencies.push_back(msSince(start));
    }

    // getPerfProfile reports the most recent forward() only, so it is read after each profiled run.
    // OpenCV times every layer on every forward() anyway; separate runs keep the contract the same
    // as for the other frameworks.
    const std::vector<std::string> layerNames = net.getLayerNames();
    const double ticksPerMs = cv::getTickFrequency() / 1000.0;
    std::vector<std::vector<double>> runLayerMs(size_t(args.profileRuns), std::vector<double>(layerNames.size(), 0.0));
    for (auto& run : runLayerMs) {
      net.forward(scratch, outNames);
      std::vector<double> timings;
      net.getPerfProfile(timings);
      for (size_t i = 0; i < timings.size() && i < run.size(); i++) run[i] = timings[i] / ticksPerMs;
    }
    // Each layer's median over the profiled runs (layer_medians.h).
    const std::vector<double> layerMs = farm::layer_medians(runLayerMs);

    struct rusage usage {};
    getrusage(RUSAGE_SELF, &usage);

    std::ostringstream os;
    os << "{\"runner\":\"opencv_runner\",\"version\":" << jsonString(cv::getVersionString()) << ",\"threads\":" << cv::getNumThreads()
       << ",\"loadMs\":" << jsonNumber(loadMs) << ",\"firstInferenceMs\":" << jsonNumber(firstMs) << ",\"latenciesMs\":[";
    for (size_t i = 0; i < latencies.size(); i++) os << (i ? "," : "") << jsonNumber(latencies[i]);
    os << "],\"profiledRuns\":" << args.profileRuns << ",\"layers\":[";
    if (args.profileRuns > 0) {
      for (size_t i = 0; i < layerNames.size(); i++) {
        // Layer ids start at 1: id 0 is the implicit input layer, which getLayerNames leaves out.
        const int id = net.getLayerId(layerNames[i]);
        const cv::Ptr<cv::dnn::Layer> layer = net.getLayer(id);
        os << (i ? "," : "") << "{\"name\":" << jsonString(layerNames[i]) << ",\"opType\":" << jsonString(layer->type)
           << ",\"timeMs\":" << jsonNumber(i < layerMs.size() ? layerMs[i] : 0.0) << "}";
      }
    }
    os << "],\"outputs\":[";
    for (size_t i = 0; i < outs.size(); i++) {
      os << (i ? "," : "") << "{\"name\":" << jsonString(i < outNames.size() ? outNames[i] : "")
         << ",\"dtype\":\"" << dtypeName(outs[i].depth()) << "\",\"shape\":[";
      for (int d = 0; d < outs[i].dims; d++) os << (d ? "," : "") << outs[i].size[d];
      os << "]}";
    }
    // ru_maxrss is in KiB on Linux.
    os << "],\"peakMemoryBytes\":" << static_cast<long long>(usage.ru_maxrss) * 1024 << "}";
    std::cout << os.str() << std::endl;
    return 0;
  } catch (const UsageError& e) {
    fail(3, "bad_arguments", e.what());
  } catch (const IoError& e) {
    fail(1, "io_error", e.what());
  } catch (const cv::Exception& e) {
    fail(1, "internal", e.what());
  } catch (const std::exception& e) {
    fail(1, "internal", e.what());
  }
}
