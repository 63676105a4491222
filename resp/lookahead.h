// resp/lookahead.h — a glance at the commands waiting behind the one being parsed.
//
// A pipeline's commands arrive together, and running them one by one takes each command's
// cache misses (its key's hash slot, its entry) one at a time. A caller that knows which
// keys are coming can ask for all of them at once. PeekCommand reads one complete RESP
// multibulk command from the front of bytes and returns views of its first arguments,
// without the Parser's limits or state: it is only a hint, and anything it does not
// recognise at once (an inline command, a partial command, a malformed header, a length
// above the caller's bound) ends the look ahead rather than being reported.
//
// Cost: the headers only. A bulk argument past max_args is skipped by its declared length,
// never scanned, so a large value in a pipeline costs nothing here, and a partial one is
// noticed from its header.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace cairn::resp {

struct PeekedCommand {
  size_t size = 0;  // bytes the command occupies in the input; 0: no complete command
  size_t argc = 0;  // arguments in the command (the name included)
  size_t seen = 0;  // of them, how many were stored in args (min(argc, args.size()))
};

// Reads the complete multibulk command at the start of bytes, storing views (into bytes) of
// its first args.size() arguments in args. Bulk lengths above max_bulk_len end the look ahead.
PeekedCommand PeekCommand(std::string_view bytes, std::span<std::string_view> args,
                          size_t max_bulk_len);

}  // namespace cairn::resp
