// tests/fuzz/resp_entries.h — the body of the request parser's fuzz target, shared by the
// libFuzzer harness (tests/fuzz/resp_parser_fuzz.cc) and the regression test that replays
// saved inputs in the resp test binary (tests/resp/fuzz_regression_test.cc).
//
// Input layout: flags:u8 split_seed:u8 stream. The stream is fed to a Parser as a connection
// would receive it, in reads whose sizes the seed picks (from one byte at a time up to 128),
// dropping consumed() bytes after every call; then once more in a single read. flags bit 0:
// small limits (so the limit errors are reachable with small inputs); bit 1: the client is
// not authenticated.
//
// Returns false when the parser breaks its contract (parser.h): consumed() past the input,
// a command that consumes nothing (the caller would spin), more bytes scanned than a linear parser
// needs, or split reads giving other commands than one read. A crash, sanitizer report or hang is
// the other kind of bug it looks for.
#pragma once

#include <string_view>

namespace cairn::fuzz {

[[nodiscard]] bool RespParser(std::string_view data);

}  // namespace cairn::fuzz
