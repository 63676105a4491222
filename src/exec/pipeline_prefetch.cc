// src/exec/pipeline_prefetch.cc — see pipeline_prefetch.h.
#include "src/exec/pipeline_prefetch.h"

#include <charconv>
#include <cstdint>
#include <span>

#include "resp/lookahead.h"
#include "src/exec/server_state.h"

namespace cairn::server {
namespace {

// Arguments a peek keeps: the name and enough to reach the key of EVAL/EVALSHA (the fourth)
// and the member of GEOADD key longitude latitude member (the fifth).
constexpr size_t kPeekArgs = 5;

// The argument spec->element_index names, when args (all argc arguments of the command, or
// its first ones) hold it; else an empty view.
std::string_view ElementOf(const CommandSpec& spec, std::span<const std::string_view> args,
                           size_t argc) {
  int index = spec.element_index;
  size_t from_end = index < 0 ? static_cast<size_t>(-index) : 0;
  if (index == 0 || from_end + 2 > argc) return {};  // none, or it would be the name or key
  size_t at = index > 0 ? static_cast<size_t>(index) : argc - from_end;
  return at < args.size() ? args[at] : std::string_view();
}

// The command's first key, when its spec places one among args (args.size() of argc seen),
// and in *element the field or member it looks up there (empty: none or not seen).
bool FirstKey(const CommandTable& commands, std::span<const std::string_view> args, size_t argc,
              std::string_view* key, std::string_view* element) {
  const CommandSpec* spec = commands.Find(args[0]);
  if (spec == nullptr) return false;
  *element = ElementOf(*spec, args, argc);
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
  size_t argc[kPrefetchWindow];
  size_t commands = 0;
  size_t max_bulk = static_cast<size_t>(
      server.limits.proto_max_bulk_len.load(std::memory_order_relaxed));
  while (commands < kPrefetchWindow && !input.empty()) {
    resp::PeekedCommand c = resp::PeekCommand(input, args[commands], max_bulk);
    if (c.size == 0) break;
    input.remove_prefix(c.size);
    argc[commands] = c.argc;
    seen[commands++] = c.seen;
  }
  if (commands < 2) return commands;  // one command: nothing to overlap its misses with
  std::string_view keys[kPrefetchWindow];
  std::string_view elements[kPrefetchWindow];
  size_t key_count = 0;
  bool any_element = false;
  for (size_t i = 0; i < commands; ++i) {
    if (FirstKey(server.commands, std::span(args[i], seen[i]), argc[i], &keys[key_count],
                 &elements[key_count])) {
      any_element |= !elements[key_count].empty();
      ++key_count;
    }
  }
  if (key_count == 0) return commands;
  server.store.Prefetch(db, std::span(keys, key_count),
                        any_element ? std::span(elements, key_count)
                                    : std::span<const std::string_view>());
  return commands;
}

}  // namespace cairn::server
