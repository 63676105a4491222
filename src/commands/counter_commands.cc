// src/commands/counter_commands.cc — the string family's counters: INCR, DECR, INCRBY, DECRBY
// and INCRBYFLOAT.
//
// A counter is a string holding a number. Each command reads, computes and installs the new
// text inside one Access callback, so concurrent increments of one key from different threads
// never lose an update. The key's TTL is kept.
#include <cmath>
#include <cstdint>

#include "resp/number.h"
#include "src/commands/string_family.h"
#include "src/exec/command_table.h"
#include "src/exec/errors.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"

namespace cairn::server {
namespace {

using store::BufRef;
using store::Entry;
using store::KeyHandle;

// Error text not (yet) in errors.h.
constexpr std::string_view kDecrementOverflow = "ERR decrement would overflow";

constexpr int64_t kInt64Max = INT64_MAX;
constexpr int64_t kInt64Min = INT64_MIN;

enum class CounterStatus { kOk, kWrongType, kNotNumber, kOverflow, kNanOrInf };

// Adds delta to the integer at args[1] (0 if missing) and keeps the key's TTL.
void IncrByGeneric(CommandContext& ctx, int64_t delta) {
  int64_t result = 0;
  CounterStatus status = ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    int64_t current = 0;
    Entry* e = h.Find();
    if (e != nullptr) {
      if (!IsString(e)) return CounterStatus::kWrongType;
      if (!resp::ParseInt64(e->value.str.view(), &current)) return CounterStatus::kNotNumber;
    }
    if ((delta > 0 && current > kInt64Max - delta) || (delta < 0 && current < kInt64Min - delta)) {
      return CounterStatus::kOverflow;
    }
    result = current + delta;
    char text[resp::kMaxInt64Chars];
    size_t len = resp::FormatInt64(result, text);
    h.Put(StringValue(BufRef::Copy({text, len})), store::kKeepTtl);
    return CounterStatus::kOk;
  });
  switch (status) {
    case CounterStatus::kOk:
      ctx.reply.WriteInteger(result);
      return;
    case CounterStatus::kWrongType:
      ctx.reply.WriteError(errors::kWrongType);
      return;
    case CounterStatus::kOverflow:
      ctx.reply.WriteError(errors::kOverflow);
      return;
    default:
      ctx.reply.WriteError(errors::kNotInteger);
      return;
  }
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
// the same text the reply carries.
void CmdIncrByFloat(CommandContext& ctx) {
  long double incr = 0;
  bool incr_ok = resp::ParseLongDouble(ctx.args[2], &incr);
  char text[resp::kMaxLongDoubleChars];
  size_t len = 0;
  CounterStatus status = ctx.server.store.Access(ctx.db(), ctx.args[1], [&](KeyHandle& h) {
    long double current = 0;
    Entry* e = h.Find();
    if (e != nullptr) {
      if (!IsString(e)) return CounterStatus::kWrongType;
      if (!resp::ParseLongDouble(e->value.str.view(), &current)) return CounterStatus::kNotNumber;
    }
    if (!incr_ok) return CounterStatus::kNotNumber;
    long double sum = current + incr;
    if (std::isnan(sum) || std::isinf(sum)) return CounterStatus::kNanOrInf;
    len = resp::FormatLongDouble(sum, text);
    h.Put(StringValue(BufRef::Copy({text, len})), store::kKeepTtl);
    return CounterStatus::kOk;
  });
  switch (status) {
    case CounterStatus::kOk:
      ctx.reply.WriteBulk({text, len});
      return;
    case CounterStatus::kWrongType:
      ctx.reply.WriteError(errors::kWrongType);
      return;
    case CounterStatus::kNanOrInf:
      ctx.reply.WriteError(errors::kNanOrInf);
      return;
    default:
      ctx.reply.WriteError(errors::kNotFloat);
      return;
  }
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
