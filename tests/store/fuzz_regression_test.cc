// tests/store/fuzz_regression_test.cc — every input the store fuzz targets once failed on
// (tests/fuzz/regressions/<target>/) runs again through the same entry the target uses, so
// this binary's sanitizers see each fixed bug stay fixed.
#include <doctest/doctest.h>

#include "tests/fuzz/regressions.h"
#include "tests/fuzz/store_entries.h"

namespace cairn::fuzz {
namespace {

TEST_CASE("every saved store fuzz input is read without a crash or a broken invariant") {
  size_t replayed = 0;
  for (const StoreTarget& target : StoreTargets()) {
    for (const RegressionInput& input : ReadRegressions(target.name)) {
      CAPTURE(input.path);
      CHECK(target.run(input.bytes));
      ++replayed;
    }
  }
  CHECK(replayed > 0);  // the folder was found
}

}  // namespace
}  // namespace cairn::fuzz
