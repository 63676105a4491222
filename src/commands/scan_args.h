// src/commands/scan_args.h — the cursor and options of SCAN, HSCAN, SSCAN and ZSCAN, read as
// Redis 7.0 reads them, in one place so the four commands cannot drift apart.
//
// Redis checks the cursor first (strtoul: an optional sign, no leading space, no trailing
// bytes, nothing past 2^64-1; an empty cursor is 0). The collection scans then look the key
// up — a missing key answers an empty scan and another type WRONGTYPE, whatever the options
// say — and only then parse MATCH and COUNT. So ParseScan replies a bad cursor at once but
// keeps a bad option in ScanArgs::error, for the caller to reply once the key has passed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "src/base/glob.h"
#include "src/exec/command.h"

namespace cairn::server {

struct ScanArgs {
  uint64_t cursor = 0;
  std::string_view pattern = "*";  // MATCH; "*" (the default) skips matching, "" matches ""
  size_t count = 10;               // a hint: about how many slots to visit
  std::string_view type;           // SCAN's TYPE; empty: any
  std::string_view error;          // the error the options deserve (empty: none)

  bool Matches(std::string_view name) const { return pattern == "*" || GlobMatch(pattern, name); }
};

// Reads the cursor at args[cursor_at] and the options after it; TYPE only when allow_type
// (SCAN). False, with "invalid cursor" replied, when the cursor is bad.
[[nodiscard]] bool ParseScan(CommandContext& ctx, size_t cursor_at, bool allow_type,
                             ScanArgs* a);

// The two-element scan reply's head: the array of two and the next cursor as a bulk string.
// The caller writes the elements after it.
void WriteScanHead(CommandContext& ctx, uint64_t next);

}  // namespace cairn::server
