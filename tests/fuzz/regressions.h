// tests/fuzz/regressions.h — the saved inputs of one fuzz target, for the regression tests
// that replay them in the normal test binaries. They live in tests/fuzz/regressions/<target>/,
// one small binary file per input that once crashed a target or broke an invariant there;
// CMake passes the folder's absolute path as CAIRN_FUZZ_REGRESSIONS_DIR.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::fuzz {

struct RegressionInput {
  std::string path;
  std::string bytes;
};

// Every file of the target's folder, sorted by name (none when the folder is missing).
inline std::vector<RegressionInput> ReadRegressions(std::string_view target) {
  std::filesystem::path dir = std::filesystem::path(CAIRN_FUZZ_REGRESSIONS_DIR) / target;
  std::vector<RegressionInput> inputs;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    inputs.push_back({entry.path().string(), std::string(std::istreambuf_iterator<char>(in),
                                                         std::istreambuf_iterator<char>())});
  }
  std::sort(inputs.begin(), inputs.end(),
            [](const RegressionInput& a, const RegressionInput& b) { return a.path < b.path; });
  return inputs;
}

}  // namespace cairn::fuzz
