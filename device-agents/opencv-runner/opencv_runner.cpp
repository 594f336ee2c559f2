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
#include "runner_cli.h"

namespace {

using farm::InputSpec;
using farm::IoError;
using farm::UsageError;
using farm::fail;
using farm::json_number;
using farm::json_string;
using farm::ms_since;

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
    std::cout << "{\"runner\":\"opencv_runner\",\"version\":" << json_string(cv::getVersionString()) << "}" << std::endl;
    return 0;
  }
  farm::RunnerArgs args;
  try {
    args = farm::parse_runner_args(argc, argv, false);
  } catch (const UsageError& e) {
    fail(3, "bad_arguments", e.what());
  }

  // What escapes (cv::Exception is a std::exception) becomes the contract's error line (runner_cli.h).
  return farm::report_errors([&]() {
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
      loadMs = ms_since(loadStart);
      outNames = net.getUnconnectedOutLayersNames();
      for (size_t i = 0; i < blobs.size(); i++) net.setInput(blobs[i], args.inputs[i].name);
      const auto firstStart = std::chrono::steady_clock::now();
      net.forward(outs, outNames);
      firstMs = ms_since(firstStart);
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
      latencies.push_back(ms_since(start));
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

    std::ostringstream os;
    os << "{\"runner\":\"opencv_runner\",\"version\":" << json_string(cv::getVersionString()) << ",\"threads\":" << cv::getNumThreads()
       << ",\"loadMs\":" << json_number(loadMs) << ",\"firstInferenceMs\":" << json_number(firstMs) << ",\"latenciesMs\":[";
    for (size_t i = 0; i < latencies.size(); i++) os << (i ? "," : "") << json_number(latencies[i]);
    os << "],\"profiledRuns\":" << args.profileRuns << ",\"layers\":[";
    if (args.profileRuns > 0) {
      for (size_t i = 0; i < layerNames.size(); i++) {
        // Layer ids start at 1: id 0 is the implicit input layer, which getLayerNames leaves out.
        const int id = net.getLayerId(layerNames[i]);
        const cv::Ptr<cv::dnn::Layer> layer = net.getLayer(id);
        os << (i ? "," : "") << "{\"name\":" << json_string(layerNames[i]) << ",\"opType\":" << json_string(layer->type)
           << ",\"timeMs\":" << json_number(i < layerMs.size() ? layerMs[i] : 0.0) << ",\"samplesMs\":[";
        // The layer's time in each profiled run, so the farm can put an interval on per-layer deltas.
        for (size_t r = 0; r < runLayerMs.size(); r++) os << (r ? "," : "") << json_number(runLayerMs[r][i]);
        os << "]}";
      }
    }
    os << "],\"outputs\":[";
    for (size_t i = 0; i < outs.size(); i++) {
      os << (i ? "," : "") << "{\"name\":" << json_string(i < outNames.size() ? outNames[i] : "")
         << ",\"dtype\":\"" << dtypeName(outs[i].depth()) << "\",\"shape\":[";
      for (int d = 0; d < outs[i].dims; d++) os << (d ? "," : "") << outs[i].size[d];
      os << "]}";
    }
    os << "]" << farm::peak_memory_field() << "}";
    std::cout << os.str() << std::endl;
    return 0;
  });
}
