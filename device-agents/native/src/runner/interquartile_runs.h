// Which profiled runs the per-layer means are taken over: those whose total lies between the 25th
// and 75th percentile of all runs' totals (inclusive), or every run when there are fewer than four.
// The profiled counterpart of reporting a median latency: a run the host interrupted does not
// inflate every layer. Shared by int8-runner and opencv_runner; the agent's TypeScript runners
// apply the same rule (device-agents/agent/src/runners/profile-warmup.ts).
#pragma once

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace farm {

inline std::vector<size_t> interquartile_runs(const std::vector<std::vector<double>>& run_layer_ms) {
  std::vector<double> totals;
  for (const auto& run : run_layer_ms) totals.push_back(std::accumulate(run.begin(), run.end(), 0.0));
  std::vector<size_t> used;
  if (totals.size() < 4) {
    for (size_t i = 0; i < totals.size(); i++) used.push_back(i);
    return used;
  }
  std::vector<double> sorted = totals;
  std::sort(sorted.begin(), sorted.end());
  auto quantile = [&](double p) {
    const double r = p * double(sorted.size() - 1);
    const size_t lo = size_t(std::floor(r)), hi = size_t(std::ceil(r));
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (r - double(lo));
  };
  const double q1 = quantile(0.25), q3 = quantile(0.75);
  for (size_t i = 0; i < totals.size(); i++)
    if (totals[i] >= q1 && totals[i] <= q3) used.push_back(i);
  return used;
}

}  // namespace farm
