// tests/fuzz/resp_entries.cc — see resp_entries.h.
#include "tests/fuzz/resp_entries.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "resp/parser.h"

namespace cairn::fuzz {
namespace {

using Command = std::vector<std::string>;

// Read sizes for one feeding: a small linear congruential generator, so an input always
// splits the same way.
class Splitter {
 public:
  explicit Splitter(uint8_t seed) : state_(seed), max_(size_t{1} << (seed % 8)) {}
  size_t Next() {
    state_ = state_ * 6364136223846793005ull + 1442695040888963407ull;
    return 1 + static_cast<size_t>(state_ >> 33) % max_;
  }

 private:
  uint64_t state_;
  size_t max_;
};

struct Outcome {
  std::vector<Command> commands;
  bool error = false;
  bool broken = false;  // the parser broke its contract
};

// Parses every complete command in *buffer, dropping what each call consumed. False when the
// feeding must end (an error, or a broken contract).
bool Drain(resp::Parser& parser, std::string* buffer, Outcome* out) {
  for (;;) {
    resp::ParseStatus status = parser.Parse(*buffer);
    if (parser.consumed() > buffer->size()) {
      out->broken = true;
      return false;
    }
    if (status == resp::ParseStatus::kError) {
      out->error = true;
      return false;
    }
    if (status == resp::ParseStatus::kNeedMore) {
      buffer->erase(0, parser.consumed());
      return true;
    }
    if (parser.consumed() == 0) {
      out->broken = true;
      return false;
    }
    out->commands.emplace_back(parser.args().begin(), parser.args().end());
    buffer->erase(0, parser.consumed());
  }
}

Outcome Feed(const resp::ParserLimits& limits, bool authenticated, std::string_view stream,
             Splitter* splitter) {
  resp::Parser parser(limits);
  parser.set_authenticated(authenticated);
  Outcome out;
  std::string buffer;
  size_t fed = 0;
  while (Drain(parser, &buffer, &out) && fed < stream.size()) {
    size_t n = splitter != nullptr ? splitter->Next() : stream.size();
    n = std::min(n, stream.size() - fed);
    buffer.append(stream.substr(fed, n));
    fed += n;
  }
  // Linear cost: each byte is searched about once; a resumed search backs up one byte.
  if (parser.scanned_bytes() > 2 * stream.size() + 16) out.broken = true;
  return out;
}

}  // namespace

bool RespParser(std::string_view data) {
  if (data.size() < 2) return true;
  auto flags = static_cast<uint8_t>(data[0]);
  resp::ParserLimits limits;
  if ((flags & 1) != 0) {
    limits.max_bulk_len = 64;
    limits.max_multibulk_len = 16;
    limits.max_inline_len = 32;
    limits.unauthenticated_multibulk_len = 4;
    limits.unauthenticated_bulk_len = 8;
  }
  bool authenticated = (flags & 2) == 0;
  std::string_view stream = data.substr(2);
  Splitter splitter(static_cast<uint8_t>(data[1]));
  Outcome split = Feed(limits, authenticated, stream, &splitter);
  Outcome whole = Feed(limits, authenticated, stream, nullptr);
  if (split.broken || whole.broken) return false;
  // A limit on bytes still waiting for their line end may trip in one feeding and not the
  // other (as in Redis); until an error, both must give the same commands.
  size_t common = std::min(split.commands.size(), whole.commands.size());
  if (!std::equal(split.commands.begin(), split.commands.begin() + common,
                  whole.commands.begin())) {
    return false;
  }
  return split.error || whole.error || split.commands.size() == whole.commands.size();
}

}  // namespace cairn::fuzz
