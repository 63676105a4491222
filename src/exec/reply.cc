// src/exec/reply.cc — see reply.h.
#include "src/exec/reply.h"

#include <string>

#include "resp/number.h"
#include "src/exec/errors.h"
#include "src/exec/server_state.h"

namespace cairn::server {

bool ReplyStatus(CommandContext& ctx, const Status& status, store::ValueType family) {
  if (status.ok()) return false;
  ctx.reply.WriteError(errors::ErrorText(status.code(), family));
  return true;
}

void ReplyWrongArity(resp::Writer& w, std::string_view name) {
  w.WriteError("ERR wrong number of arguments for '" + std::string(name) + "' command");
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

bool ArgToInt64(CommandContext& ctx, std::string_view arg, int64_t* out) {
  if (resp::ParseInt64(arg, out)) return true;
  ctx.reply.WriteError(errors::kNotInteger);
  return false;
}

bool ArgToInt64Range(CommandContext& ctx, std::string_view arg, int64_t min, int64_t max,
                     std::string_view range_error, int64_t* out) {
  if (!ArgToInt64(ctx, arg, out)) return false;
  if (*out >= min && *out <= max) return true;
  ctx.reply.WriteError(range_error);
  return false;
}

void ReplySubcommandSyntaxError(CommandContext& ctx) {
  std::string cmd(ctx.args[0]);
  for (char& c : cmd) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  }
  ctx.reply.WriteError("ERR unknown subcommand or wrong number of arguments for '" +
                       std::string(ctx.args[1].substr(0, 128)) + "'. Try " + cmd + " HELP.");
}

bool ArgToInt64InRange(CommandContext& ctx, std::string_view arg, int64_t min, int64_t max,
                       std::string_view error, int64_t* out) {
  if (resp::ParseInt64(arg, out) && *out >= min && *out <= max) return true;
  ctx.reply.WriteError(error);
  return false;
}

bool ParseMPopCount(CommandContext& ctx, std::span<const std::string_view> tail,
                    int64_t* count) {
  bool seen = false;
  for (size_t i = 0; i < tail.size(); ++i) {
    if (seen || !EqualsIgnoreCase(tail[i], "count") || i + 1 == tail.size()) {
      ctx.reply.WriteError(errors::kSyntax);
      return false;
    }
    if (!ArgToInt64InRange(ctx, tail[++i], 1, INT64_MAX, errors::kZCountPositive, count)) {
      return false;
    }
    seen = true;
  }
  return true;
}

bool ArgToDouble(CommandContext& ctx, std::string_view arg, double* out) {
  if (resp::ParseDouble(arg, out)) return true;
  ctx.reply.WriteError(errors::kNotFloat);
  return false;
}

bool ArgToDb(CommandContext& ctx, std::string_view arg, int* out,
             std::string_view out_of_range_error) {
  int64_t db = 0;
  if (!resp::ParseInt64(arg, &db)) {
    ctx.reply.WriteError(errors::kInvalidDbIndex);
    return false;
  }
  if (db < 0 || db >= ctx.server.store.databases()) {
    ctx.reply.WriteError(out_of_range_error);
    return false;
  }
  *out = static_cast<int>(db);
  return true;
}

}  // namespace cairn::server
