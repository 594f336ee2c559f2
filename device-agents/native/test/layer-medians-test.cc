// The per-layer statistic int8-runner and opencv_runner report (src/runner/layer_medians.h): a
// spike in one layer of one run must not move any layer, and two runs give their mean.
#include "../src/runner/layer_medians.h"
#include "test-util.h"

using farm::layer_medians;

int main() {
  farmtest::Counter ctr;
  const std::vector<double> m = layer_medians({{1, 2, 3}, {1.1, 9, 3}, {0.9, 2, 3.2}, {7, 2.2, 3}, {1, 2, 30}});
  ctr.check(m.size() == 3 && m[0] == 1 && m[1] == 2 && m[2] == 3, "odd count: per-layer median ignores one spike per layer");
  const std::vector<double> two = layer_medians({{1, 4}, {3, 2}});
  ctr.check(two.size() == 2 && two[0] == 2 && two[1] == 3, "even count: mean of the middle two");
  ctr.check(layer_medians({}).empty(), "no runs: no layers");
  return ctr.finish("layer-medians");
}
