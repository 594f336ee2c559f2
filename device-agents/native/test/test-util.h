// Minimal test harness: counts checks per case and ends with the plain
// "N passed, N failed" line that CI reads.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

namespace farmtest {

struct Counter {
  int passed = 0, failed = 0;
  void check(bool ok, const std::string& what) {
    if (ok) {
      passed++;
    } else {
      failed++;
      if (failed <= 20) std::fprintf(stderr, "FAIL: %s\n", what.c_str());
    }
  }
  int finish(const char* suite) {
    std::printf("%s: %d passed, %d failed\n", suite, passed, failed);
    return failed == 0 ? 0 : 1;
  }
};

}  // namespace farmtest
