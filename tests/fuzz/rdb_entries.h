// tests/fuzz/rdb_entries.h — the bodies of the RDB fuzz targets: arbitrary bytes read as one
// object of a DUMP payload (what RESTORE takes from any client) and as a whole RDB file (what
// import and a replica's full sync read).
//
// Used by the libFuzzer harnesses (fuzz_target.cc, built with CAIRN_FUZZ=ON); an input they
// find goes in tests/fuzz/regressions/rdb_*/ with a test that replays it, as the store's do.
// As for the store's targets (store_entries.h), a crash, a sanitizer report, a hang or an
// allocation sized by the input is the bug looked for, and an entry returns false when what
// it accepted breaks an invariant no crash would show.
//
// Threading: each call builds what it needs; call from one thread at a time.
#pragma once

#include <span>
#include <string_view>

#include "tests/fuzz/store_entries.h"

namespace cairn::fuzz {

// Input: one object, its type byte and body (a DUMP payload without its version and
// checksum, which RESTORE checks before decoding). What DecodeObject accepts must be a value
// the store can keep (ValueIsSound), and its own encoding must decode again, to the same type.
[[nodiscard]] bool RdbObject(std::string_view data);

// Input layout: chunk:u8 file_bytes. LoadRdb reads the file into a fresh Store, given at most
// 1 + chunk * 61 bytes per read, so records split across reads at every offset are read too.
// A load that succeeds must have put or skipped every key it read, and left sound values.
[[nodiscard]] bool RdbFile(std::string_view data);

// Input: any bytes. LZF-compressed (with room for any expansion) and decompressed, they
// must come back unchanged; compressed with one byte less room than that output took, the
// compressor must give up rather than write past it.
[[nodiscard]] bool Lzf(std::string_view data);

// Every RDB target, by name (the folders under tests/fuzz/regressions/).
std::span<const StoreTarget> RdbTargets();

}  // namespace cairn::fuzz
