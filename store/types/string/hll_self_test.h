// store/types/string/hll_self_test.h — PFSELFTEST: checks the HyperLogLog representation
// (hyperloglog.h) from the inside. First, that dense registers read back what was written
// without disturbing their neighbours; then, adding 10 million distinct elements to a dense
// and a sparse HLL side by side, that small HLLs stay sparse, that both encodings count the
// same, and that the error stays within 6 standard errors at 1, 10, 100... elements.
//
// Takes a few seconds of CPU on the calling thread. Threading: any thread.
#pragma once

#include <cstddef>
#include <cstdint>

#include "store/base/status.h"

namespace cairn::store::hll {

// OK, or kInvalid whose message says what failed ("Register 7 should be 3 but is 0",
// "sparse encoding not used", "dense/sparse disagree", "Too big error. card:1000 abserr:97").
// seed varies the registers and elements tried.
Status SelfTest(size_t sparse_max_bytes, uint64_t seed);

}  // namespace cairn::store::hll
