// Benchmarks one NCNN model (.param graph + .bin weights) and prints ONE JSON report on stdout.
// Driven by the agent's ncnn runner, which builds the argument vector itself (no shell) and
// supplies input bytes from the shared input synthesis, so NCNN sees the same data as every
// other framework. Speaks the native-runner contract (libs/contracts/src/native-runner.schema.ts)
// like opencv_runner and int8-runner:
//
// usage: ncnn-runner --model M.param --weights M.bin --input NAME:DIMS:FILE [--input ...]
//                    --threads N --warmup N --runs N --profile-runs N [--output PATH]
//        ncnn-runner --version      (prints {"runner","version","isa"})
// --model is the .param (text, or the binary form ncnn2mem writes: told apart by content);
// --weights the .bin. DIMS are NCNN's own, outermost first: C x H x W (or W, H x W,
// C x D x H x W); one leading batch of 1 is accepted and dropped (1x3x224x224 = 3x224x224).
// A binary .param carries no blob names, so its inputs are taken in the model's input order.
// Input files hold raw little-endian float32 values. --output receives every output blob as
// float32, concatenated in the report's `outputs` order.
// Errors: one line {"error":{"code","message"}} on stderr and exit 2 (model_rejected: NCNN's
// own log lines are the message), 3 (bad_arguments) or 1 (io_error, internal).
#include <net.h>
#include <platform.h>

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "layer_medians.h"
#include "runner_cli.h"

namespace {

using farm::fail;
using farm::InputSpec;
using farm::IoError;
using farm::json_number;
using farm::json_string;
using farm::ms_since;
using farm::UsageError;
using Clock = std::chrono::steady_clock;

// The first int of every .param, text or binary (ncnn FAQ: "starts with the magic number 7767517").
constexpr int32_t kParamMagic = 7767517;

// Which of NCNN's SIMD paths the build can take: NCNN itself dispatches at run time within them.
const char* isa() {
#if defined(__aarch64__)
  return "arm64";
#elif defined(__x86_64__)
  return "x86_64";
#else
  return "generic";
#endif
}

// NCNN reports load and forward failures only through NCNN_LOGE, i.e. fprintf(stderr). While a
// call that may fail runs, stderr goes to a temporary file, so the failure's JSON line can carry
// NCNN's own words (what a user needs to fix the model) and stays the last line on stderr.
class StderrCapture {
 public:
  StderrCapture() : file_(std::tmpfile()), saved_(dup(STDERR_FILENO)) {
    std::fflush(stderr);
    if (file_ && saved_ >= 0) dup2(fileno(file_), STDERR_FILENO);
  }
  ~StderrCapture() { restore(); }
  // Stops capturing; returns what was written, trimmed.
  std::string restore() {
    if (saved_ < 0) return text_;
    std::fflush(stderr);
    dup2(saved_, STDERR_FILENO);
    close(saved_);
    saved_ = -1;
    if (file_) {
      std::rewind(file_);
      char buf[4096];
      size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, file_)) > 0) text_.append(buf, n);
      std::fclose(file_);
      file_ = nullptr;
    }
    while (!text_.empty() && (text_.back() == '\n' || text_.back() == ' ')) text_.pop_back();
    return text_;
  }

 private:
  FILE* file_;
  int saved_;
  std::string text_;
};

[[noreturn]] void rejectModel(const std::string& what, StderrCapture& capture) {
  const std::string said = capture.restore();
  farm::fail(2, "model_rejected", said.empty() ? what : what + ": " + said);
}

bool isBinaryParam(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot open model file " + path);
  int32_t magic = 0;
  in.read(reinterpret_cast<char*>(&magic), sizeof magic);
  return in.gcount() == sizeof magic && magic == kParamMagic;
}

long fileSize(FILE* f) {
  const long here = std::ftell(f);
  std::fseek(f, 0, SEEK_END);
  const long size = std::ftell(f);
  std::fseek(f, here, SEEK_SET);
  return size;
}

// NCNN's dims for the contract's: a leading batch of 1 dropped, then W / HxW / CxHxW / CxDxHxW.
ncnn::Mat loadInput(const InputSpec& spec) {
  std::vector<int> s = spec.shape;
  if (s.size() == 4 && s[0] == 1) s.erase(s.begin());
  ncnn::Mat m;
  switch (s.size()) {
    case 1: m.create(s[0]); break;
    case 2: m.create(s[1], s[0]); break;
    case 3: m.create(s[2], s[1], s[0]); break;
    case 4: m.create(s[3], s[2], s[1], s[0]); break;
    default: throw UsageError("input " + spec.name + " has " + std::to_string(spec.shape.size()) + " dims; NCNN blobs have 1 to 4 (after a batch of 1)");
  }
  if (m.empty()) throw std::runtime_error("cannot allocate input " + spec.name);
  // Channels are padded to cstep in an ncnn::Mat, so the file is copied one channel at a time.
  const size_t channelFloats = static_cast<size_t>(m.w) * m.h * m.d;
  const size_t bytes = channelFloats * m.c * sizeof(float);
  std::ifstream in(spec.file, std::ios::binary | std::ios::ate);
  if (!in) throw IoError("cannot open input file " + spec.file);
  if (static_cast<size_t>(in.tellg()) != bytes) {
    throw UsageError("input file " + spec.file + " has " + std::to_string(static_cast<long long>(in.tellg())) + " bytes, shape needs " +
                     std::to_string(bytes));
  }
  in.seekg(0);
  for (int q = 0; q < m.c; q++) in.read(reinterpret_cast<char*>(m.channel(q).data), static_cast<std::streamsize>(channelFloats * sizeof(float)));
  return m;
}

// The contract's shape of an extracted blob, outermost first.
std::vector<int> shapeOf(const ncnn::Mat& m) {
  switch (m.dims) {
    case 1: return {m.w};
    case 2: return {m.h, m.w};
    case 3: return {m.c, m.h, m.w};
    case 4: return {m.c, m.d, m.h, m.w};
    default: return {};
  }
}

struct Model {
  ncnn::Net net;
  std::vector<int> inputBlobs;  // blob index of each --input, in argument order
  std::vector<int> outputBlobs;
  std::vector<std::string> outputNames;
};

// One inference as benchncnn times it: a fresh Extractor, every input fed, every output extracted.
int infer(const Model& model, const std::vector<ncnn::Mat>& inputs, std::vector<ncnn::Mat>* outs) {
  ncnn::Extractor ex = model.net.create_extractor();
  for (size_t i = 0; i < inputs.size(); i++) ex.input(model.inputBlobs[i], inputs[i]);
  ncnn::Mat out;
  for (int b : model.outputBlobs) {
    const int ret = ex.extract(b, out);
    if (ret != 0) return ret;
    if (outs) outs->push_back(out.clone());
  }
  return 0;
}

// One profiled inference: each layer's time, in layer order. Stock NCNN times no layer (that
// needs an NCNN_BENCHMARK rebuild, which prints per-layer lines and slows every run), so with
// light mode off, which keeps every intermediate blob on the Extractor, each layer's top blob is
// extracted in the .param's order and the extract is timed. The order is topological, so each
// extract finds its bottoms computed and runs exactly that one layer; a layer with several tops
// (Split) runs once, for its first. The per-layer times thus add up to one inference. What they
// include beyond a lightmode inference: the copy NCNN makes of an in-place layer's input to keep
// it, and the call overhead of one extract per layer. type 1 skips the fp32/unpacking conversion
// an extract would otherwise do for every intermediate blob.
std::vector<double> profileLayers(const Model& model, const std::vector<ncnn::Mat>& inputs) {
  const std::vector<ncnn::Layer*>& layers = model.net.layers();
  std::vector<double> ms(layers.size(), 0.0);
  ncnn::Extractor ex = model.net.create_extractor();
  ex.set_light_mode(false);
  for (size_t i = 0; i < inputs.size(); i++) ex.input(model.inputBlobs[i], inputs[i]);
  ncnn::Mat blob;
  for (size_t l = 0; l < layers.size(); l++) {
    if (layers[l]->tops.empty()) continue;
    const auto start = Clock::now();
    const int ret = ex.extract(layers[l]->tops[0], blob, 1);
    ms[l] = ms_since(start);
    if (ret != 0) throw std::runtime_error("profiled extract of layer " + layers[l]->name + " failed (" + std::to_string(ret) + ")");
  }
  return ms;
}

std::string versionJson() {
  return std::string("\"runner\":\"ncnn-runner\",\"version\":") + json_string(NCNN_VERSION_STRING) + ",\"isa\":" + json_string(isa());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--version") {
    std::cout << "{" << versionJson() << "}" << std::endl;
    return 0;
  }
  farm::RunnerArgs args;
  try {
    args = farm::parse_runner_args(argc, argv, true);
    if (args.weights.empty()) throw UsageError("--weights is required: the model's .bin beside its .param");
  } catch (const UsageError& e) {
    fail(3, "bad_arguments", e.what());
  }

  // What escapes becomes the contract's error line (runner_cli.h).
  return farm::report_errors([&]() {
    std::vector<ncnn::Mat> inputs;
    for (const auto& spec : args.inputs) inputs.push_back(loadInput(spec));

    Model model;
    model.net.opt.num_threads = args.threads;
    model.net.opt.use_vulkan_compute = false;
    const bool binaryParam = isBinaryParam(args.model);

    FILE* weights = std::fopen(args.weights.c_str(), "rb");
    if (!weights) throw IoError("cannot open weights file " + args.weights);
    double loadMs = 0;
    {
      StderrCapture capture;
      const auto loadStart = Clock::now();
      const int paramRet = binaryParam ? model.net.load_param_bin(args.model.c_str()) : model.net.load_param(args.model.c_str());
      if (paramRet != 0) {
        std::fclose(weights);
        rejectModel("ncnn could not load the param file " + args.model, capture);
      }
      const int modelRet = model.net.load_model(weights);
      loadMs = ms_since(loadStart);
      // NCNN reads as many weights as the layers ask for and ignores the rest, so a .bin from
      // another model can load silently when it is longer: its size must match what was read.
      const long consumed = std::ftell(weights);
      const long size = fileSize(weights);
      std::fclose(weights);
      if (modelRet != 0) rejectModel("ncnn could not load the weights " + args.weights + " for this param", capture);
      if (consumed != size) {
        rejectModel("the weights file has " + std::to_string(size) + " bytes but the param's layers read " + std::to_string(consumed) +
                        ": it belongs to another model",
                    capture);
      }
    }

    const std::vector<int>& netInputs = model.net.input_indexes();
    for (size_t i = 0; i < args.inputs.size(); i++) {
      if (binaryParam) {
        if (i >= netInputs.size()) throw UsageError("the model has " + std::to_string(netInputs.size()) + " inputs, got more --input");
        model.inputBlobs.push_back(netInputs[i]);
        continue;
      }
      int index = -1;
      const std::vector<ncnn::Blob>& blobs = model.net.blobs();
      for (size_t b = 0; b < blobs.size(); b++)
        if (blobs[b].name == args.inputs[i].name) index = static_cast<int>(b);
      if (index < 0) throw UsageError("the model has no blob named '" + args.inputs[i].name + "'");
      model.inputBlobs.push_back(index);
    }
    model.outputBlobs = model.net.output_indexes();
    for (int b : model.outputBlobs) model.outputNames.push_back(model.net.blobs()[b].name);
    if (model.outputBlobs.empty()) fail(2, "model_rejected", "the param declares no output blob (every blob is consumed by a layer)");

    std::vector<ncnn::Mat> outs;
    double firstMs = 0;
    {
      StderrCapture capture;
      const auto firstStart = Clock::now();
      const int ret = infer(model, inputs, &outs);
      firstMs = ms_since(firstStart);
      if (ret != 0) rejectModel("ncnn failed to run the model (extract returned " + std::to_string(ret) + ")", capture);
    }

    if (!args.outputFile.empty()) {
      std::ofstream out(args.outputFile, std::ios::binary | std::ios::trunc);
      for (const auto& m : outs) {
        const size_t channelFloats = static_cast<size_t>(m.w) * m.h * m.d;
        for (int q = 0; q < m.c; q++) out.write(reinterpret_cast<const char*>(m.channel(q).data), static_cast<std::streamsize>(channelFloats * sizeof(float)));
      }
      if (!out) throw IoError("cannot write output file " + args.outputFile);
    }

    for (int i = 0; i < args.warmup; i++) infer(model, inputs, nullptr);
    std::vector<double> latencies;
    latencies.reserve(args.runs);
    for (int i = 0; i < args.runs; i++) {
      const auto start = Clock::now();
      infer(model, inputs, nullptr);
      latencies.push_back(ms_since(start));
    }

    std::vector<std::vector<double>> runLayerMs;
    for (int r = 0; r < args.profileRuns; r++) runLayerMs.push_back(profileLayers(model, inputs));
    // Each layer's median over the profiled runs (layer_medians.h).
    const std::vector<double> layerMs = farm::layer_medians(runLayerMs);

    std::ostringstream os;
    os << "{" << versionJson() << ",\"threads\":" << model.net.opt.num_threads << ",\"loadMs\":" << json_number(loadMs)
       << ",\"firstInferenceMs\":" << json_number(firstMs) << ",\"latenciesMs\":[";
    for (size_t i = 0; i < latencies.size(); i++) os << (i ? "," : "") << json_number(latencies[i]);
    os << "],\"profiledRuns\":" << args.profileRuns << ",\"layers\":[";
    const std::vector<ncnn::Layer*>& layers = model.net.layers();
    for (size_t i = 0; i < layerMs.size(); i++) {
      os << (i ? "," : "") << "{\"name\":" << json_string(layers[i]->name) << ",\"opType\":" << json_string(layers[i]->type)
         << ",\"timeMs\":" << json_number(layerMs[i]) << ",\"samplesMs\":[";
      // The layer's time in each profiled run, so the farm can put an interval on per-layer deltas.
      for (size_t r = 0; r < runLayerMs.size(); r++) os << (r ? "," : "") << json_number(runLayerMs[r][i]);
      os << "]}";
    }
    os << "],\"outputs\":[";
    for (size_t i = 0; i < outs.size(); i++) {
      os << (i ? "," : "") << "{\"name\":" << json_string(model.outputNames[i]) << ",\"dtype\":\"float32\",\"shape\":[";
      const std::vector<int> shape = shapeOf(outs[i]);
      for (size_t d = 0; d < shape.size(); d++) os << (d ? "," : "") << shape[d];
      os << "]}";
    }
    os << "]" << farm::peak_memory_field() << "}";
    std::cout << os.str() << std::endl;
    return 0;
  });
}
