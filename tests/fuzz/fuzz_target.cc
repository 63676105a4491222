// tests/fuzz/fuzz_target.cc — the libFuzzer entry of one fuzz target. CMake compiles it once
// per target, with CAIRN_FUZZ_ENTRY naming the function that target runs (store_entries.h,
// rdb_entries.h, resp_entries.h); a broken invariant that entry reports aborts, so libFuzzer
// keeps the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tests/fuzz/rdb_entries.h"
#include "tests/fuzz/resp_entries.h"
#include "tests/fuzz/store_entries.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (!cairn::fuzz::CAIRN_FUZZ_ENTRY({reinterpret_cast<const char*>(data), size})) std::abort();
  return 0;
}
