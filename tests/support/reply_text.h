// tests/support/reply_text.h — decodes RESP2/RESP3 replies into compact text for assertions:
//   +OK   -ERR text   :5   bulk bytes as-is   (nil)   [a, b]   {k: v}   ~[a]   ,1.5   #t
//   =txt:verbatim
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "resp/output_buffer.h"

namespace cairn::test {

// Decodes one reply starting at bytes[*pos]; advances *pos. Returns false if incomplete or
// malformed.
bool DecodeReply(std::string_view bytes, size_t* pos, std::string* text);

// Takes every pending byte out of an OutputBuffer, as a socket write would.
std::string DrainOutput(resp::OutputBuffer& out);

}  // namespace cairn::test
