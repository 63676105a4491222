// src/commands/scan_args.cc — see scan_args.h.
#include "src/commands/scan_args.h"

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <string>

#include "resp/number.h"
#include "src/exec/errors.h"
#include "src/exec/reply.h"

namespace cairn::server {
namespace {

bool ParseCursorText(std::string_view arg, uint64_t* cursor) {
  std::string text(arg);  // strtoull needs the terminator
  if (!text.empty() && std::isspace(static_cast<unsigned char>(text[0]))) return false;
  char* end = nullptr;
  errno = 0;
  *cursor = std::strtoull(text.c_str(), &end, 10);
  return *end == '\0' && errno != ERANGE;
}

// The first error of the options at args[from..], as Redis's scan parses them.
std::string_view ParseOptions(CommandContext& ctx, size_t from, bool allow_type, ScanArgs* a) {
  for (size_t i = from; i < ctx.args.size(); i += 2) {
    if (i + 1 >= ctx.args.size()) return errors::kSyntax;
    std::string_view opt = ctx.args[i], value = ctx.args[i + 1];
    if (EqualsIgnoreCase(opt, "count")) {
      int64_t count = 0;
      if (!resp::ParseInt64(value, &count)) return errors::kNotInteger;
      if (count < 1) return errors::kSyntax;
      a->count = static_cast<size_t>(count);
    } else if (EqualsIgnoreCase(opt, "match")) {
      a->pattern = value;
    } else if (allow_type && EqualsIgnoreCase(opt, "type")) {
      a->type = value;
    } else {
      return errors::kSyntax;
    }
  }
  return {};
}

}  // namespace

bool ParseScan(CommandContext& ctx, size_t cursor_at, bool allow_type, ScanArgs* a) {
  if (!ParseCursorText(ctx.args[cursor_at], &a->cursor)) {
    ctx.reply.WriteError(errors::kInvalidCursor);
    return false;
  }
  a->error = ParseOptions(ctx, cursor_at + 1, allow_type, a);
  return true;
}

void WriteScanHead(CommandContext& ctx, uint64_t next) {
  char text[24];
  char* end = std::to_chars(text, text + sizeof(text), next).ptr;
  ctx.reply.WriteArrayLen(2);
  ctx.reply.WriteBulk({text, static_cast<size_t>(end - text)});
}

}  // namespace cairn::server
