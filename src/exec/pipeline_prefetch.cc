// src/exec/pipeline_prefetch.cc — see pipeline_prefetch.h.
#include "src/exec/pipeline_prefetch.h"

#include <charconv>
#include <cstdint>
#include <span>

#include "resp/lookahead.h"
#include "src/exec/server_state.h"

namespace cairn::server {
namespace {

// Arguments a peek keeps: the name and enough to reach the key of EVAL/EVALSHA (the fourth).
constexpr size_t kPeekArgs = 4;

// The command's first key, when its spec places one among args (args.size() of argc seen).
bool FirstKey(const CommandTable& commands, std::span<const std::string_view> args,
              std::string_view* key) {
  const CommandSpec* spec = commands.Find(args[0]);
  if (spec == nullptr) return false;
  size_t at = 0;
  if (spec->first_key > 0) {
    at = static_cast<size_t>(spec->first_key);
  } else if (spec->numkeys_index > 0) {  // EVAL script numkeys key ...
    size_t count_at = static_cast<size_t>(spec->numkeys_index);
    if (count_at >= args.size()) return false;
    int64_t numkeys = 0;
    std::string_view n = args[count_at];
    auto [ptr, ec] = std::from_chars(n.data(), n.data() + n.size(), numkeys);
    if (ec != std::errc() || ptr != n.data() + n.size() || numkeys < 1) return false;
    at = count_at + 1;
  }
  if (at == 0 || at >= args.size()) return false;
  *key = args[at];
  return true;
}

}  // namespace

size_t PrefetchPipeline(ServerState& server, int db, std::string_view input) {
  std::string_view args[kPrefetchWindow][kPeekArgs];
  size_t seen[kPrefetchWindow];
  size_t commands = 0;
  size_t max_bulk = static_cast<size_t>(
      server.limits.proto_max_bulk_len.load(std::memory_order_relaxed));
  while (commands < kPrefetchWindow && !input.empty()) {
    resp::PeekedCommand c = resp::PeekCommand(input, args[commands], max_bulk);
    if (c.size == 0) break;
    input.remove_prefix(c.size);
    seen[commands++] = c.seen;
  }
  if (commands < 2) return commands;  // one command: nothing to overlap its misses with
  std::string_view keys[kPrefetchWindow];
  size_t key_count = 0;
  for (size_t i = 0; i < commands; ++i) {
    if (FirstKey(server.commands, std::span(args[i], seen[i]), &keys[key_count])) ++key_count;
  }
  if (key_count > 0) server.store.Prefetch(db, std::span(keys, key_count));
  return commands;
}

}  // namespace cairn::server
