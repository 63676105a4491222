// tests/resp/fuzz_regression_test.cc — every saved input of the request parser's fuzz target
// (tests/fuzz/regressions/resp_parser/) runs again through the target's entry, so this
// binary's sanitizers see each one parse within the parser's contract.
#include <doctest/doctest.h>

#include "tests/fuzz/regressions.h"
#include "tests/fuzz/resp_entries.h"

namespace cairn::fuzz {
namespace {

TEST_CASE("every saved request parser fuzz input keeps the parser within its contract") {
  std::vector<RegressionInput> inputs = ReadRegressions("resp_parser");
  CHECK(!inputs.empty());
  for (const RegressionInput& input : inputs) {
    CAPTURE(input.path);
    CHECK(RespParser(input.bytes));
  }
}

}  // namespace
}  // namespace cairn::fuzz
