// Per-layer times from several profiled runs: each layer's median over the runs (the mean of the
// two middle values for an even count). The profiled counterpart of reporting a median latency:
// on a busy host many runs are interrupted somewhere, but any one layer is rarely the one hit.
// Shared by int8-runner and opencv_runner; the agent's TypeScript runners apply the same rule
// (device-agents/agent/src/runners/profile-warmup.ts, layerMedians).
#pragma once

#include <algorithm>
#include <vector>

namespace farm {

// run_layer_ms[r][l]: layer l's time in profiled run r. Returns one time per layer (empty without runs).
inline std::vector<double> layer_medians(const std::vector<std::vector<double>>& run_layer_ms) {
  if (run_layer_ms.empty()) return {};
  const size_t layers = run_layer_ms.front().size();
  std::vector<double> out(layers, 0.0), column(run_layer_ms.size());
  for (size_t l = 0; l < layers; l++) {
    for (size_t r = 0; r < run_layer_ms.size(); r++) column[r] = l < run_layer_ms[r].size() ? run_layer_ms[r][l] : 0.0;
    std::sort(column.begin(), column.end());
    const size_t m = column.size() / 2;
    out[l] = column.size() % 2 ? column[m] : (column[m - 1] + column[m]) / 2.0;
  }
  return out;
}

}  // namespace farm
