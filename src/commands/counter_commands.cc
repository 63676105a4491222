// src/commands/counter_commands.cc — the string family's counters: INCR, DECR, INCRBY, DECRBY
// and INCRBYFLOAT.
//
// A counter is a string holding a number. Each command computes the new text from the current
// one inside store::StringRewrite (StringUpdate for INCRBYFLOAT), in one Access callback, so
// concurrent increments of one key from different threads never lose an update. The key's
// TTL is kept; an integer's new text usually replaces the old in place.
#include <cmath>
#include <cstdint>

#include "resp/number.h"
#include "src/commands/string_family.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/notify.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"
#include "store/types/string/string_ops.h"

namespace cairn::server {
namespace {

using store::BufRef;
using store::KeyHandle;

// Error text not (yet) in errors.h.
constexpr std::string_view kDecrementOverflow = "ERR decrement would overflow";

constexpr int64_t kInt64Min = INT64_MIN;

// Adds delta to the integer at args[1] (0 if missing) and keeps the key's TTL.
void IncrByGeneric(CommandContext& ctx, int64_t delta) {
  static_assert(resp::kMaxInt64Chars <= store::kStringRewriteScratch);
  int64_t result = 0;
  auto add = [&](const BufRef* current, char* text) -> Result<std::string_view> {
    int64_t value = 0;
    if (current != nullptr && !resp::ParseInt64(current->view(), &value)) {
      return Code::kNotInteger;
    }
    if (__builtin_add_overflow(value, delta, &result)) return Code::kOverflow;
    return std::string_view(text, resp::FormatInt64(result, text));
  };
  Status st = ctx.server.store.Access(
      ctx.db(), ctx.args[1], [&](KeyHandle& h) { return store::StringRewrite(h, add); });
  if (st.ok()) NotifyKey(ctx, kNotifyString, "incrby", ctx.args[1]);
  if (!ReplyStatus(ctx, st)) ctx.reply.WriteInteger(result);
}

void CmdIncr(CommandContext& ctx) { IncrByGeneric(ctx, 1); }
void CmdDecr(CommandContext& ctx) { IncrByGeneric(ctx, -1); }

void CmdIncrBy(CommandContext& ctx) {
  int64_t delta = 0;
  if (ArgToInt64(ctx, ctx.args[2], &delta)) IncrByGeneric(ctx, delta);
}

void CmdDecrBy(CommandContext& ctx) {
  int64_t delta = 0;
  if (!ArgToInt64(ctx, ctx.args[2], &delta)) return;
  if (delta == kInt64Min) {  // -delta does not exist
    ctx.reply.WriteError(kDecrementOverflow);
    return;
  }
  IncrByGeneric(ctx, -delta);
}

// Computes in long double, like Redis, so 0.1 + 0.2 prints as 0.3; the result is stored as
// the same text the reply carries. The key's type and value are judged before the increment
// argument, as in Redis.
void CmdIncrByFloat(CommandContext& ctx) {
  long double incr = 0;
  bool incr_ok = resp::ParseLongDouble(ctx.args[2], &incr);
  auto add = [&](const BufRef* current) -> Result<BufRef> {
    long double value = 0;
    if (current != nullptr && !resp::ParseLongDouble(current->view(), &value)) {
      return Code::kNotFloat;
    }
    if (!incr_ok) return Code::kNotFloat;
    long double sum = value + incr;
    if (std::isnan(sum) || std::isinf(sum)) return Code::kNaN;
    char text[resp::kMaxLongDoubleChars];
    return BufRef::Copy({text, resp::FormatLongDouble(sum, text)});
  };
  Result<BufRef> r = ctx.server.store.Access(
      ctx.db(), ctx.args[1],
      [&](KeyHandle& h) { return store::StringUpdate(h, add, store::StringForm::kFloat); });
  if (r.ok()) NotifyKey(ctx, kNotifyString, "incrbyfloat", ctx.args[1]);
  if (!ReplyStatus(ctx, r.status())) ctx.reply.WriteBulk(r->view());
}

}  // namespace

void RegisterCounterCommands(CommandTable& table) {
  constexpr std::string_view kGroup = "string";
  table.Add({
      {.name = "incr", .arity = 2, .flags = kWrite | kDenyOom | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdIncr,
       .group = kGroup, .since = "1.0.0", .summary = "Increment the integer value of a key by one",
       .complexity = "O(1)", .syntax = "key"},
      {.name = "decr", .arity = 2, .flags = kWrite | kDenyOom | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdDecr,
       .group = kGroup, .since = "1.0.0", .summary = "Decrement the integer value of a key by one",
       .complexity = "O(1)", .syntax = "key"},
      {.name = "incrby", .arity = 3, .flags = kWrite | kDenyOom | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdIncrBy,
       .group = kGroup, .since = "1.0.0",
       .summary = "Increment the integer value of a key by the given amount", .complexity = "O(1)",
       .syntax = "key increment"},
      {.name = "decrby", .arity = 3, .flags = kWrite | kDenyOom | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdDecrBy,
       .group = kGroup, .since = "1.0.0",
       .summary = "Decrement the integer value of a key by the given number", .complexity = "O(1)",
       .syntax = "key decrement"},
      {.name = "incrbyfloat", .arity = 3, .flags = kWrite | kDenyOom | kFast,
       .first_key = 1, .last_key = 1, .key_step = 1, .handler = CmdIncrByFloat,
       .group = kGroup, .since = "2.6.0",
       .summary = "Increment the float value of a key by the given amount", .complexity = "O(1)",
       .syntax = "key increment"},
  });
}

}  // namespace cairn::server
