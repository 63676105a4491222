// src/exec/reply.h — helpers every command family shares: argument parsing that replies with
// Redis's error on failure, and common reply shapes.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "resp/writer.h"
#include "src/exec/command.h"
#include "src/exec/notify.h"
#include "store/base/status.h"
#include "store/object.h"
#include "store/typed.h"

namespace cairn::server {

// "ERR wrong number of arguments for 'name' command".
void ReplyWrongArity(resp::Writer& w, std::string_view name);

// Replies with the error text of a failed store status in family's wording (errors::ErrorText).
// Returns true when it replied (status failed), false for OK (nothing written):
//   if (ReplyStatus(ctx, result.status())) return;
bool ReplyStatus(CommandContext& ctx, const Status& status,
                 store::ValueType family = store::ValueType::kString);

// The typed lookup (store/typed.h) for a handler that replies under the lock: *out is the
// key's value as a T (nullptr for a missing key) and the result true; when the key holds
// another type it replies WRONGTYPE and returns false.
template <class T>
[[nodiscard]] bool FindOrReply(CommandContext& ctx, store::KeyHandle& h, const T** out) {
  Result<const T*> found = store::FindAs<T>(h);
  if (ReplyStatus(ctx, found.status())) return false;
  *out = *found;
  return true;
}

// FindOrReply for a read lookup (Redis's lookupKeyRead): a missing key also reports
// "keymiss". Lookups that may change the key (pops, removals, a store's destination) use
// FindOrReply, as Redis's write lookups report no miss.
template <class T>
[[nodiscard]] bool ReadOrReply(CommandContext& ctx, store::KeyHandle& h, const T** out) {
  if (!FindOrReply(ctx, h, out)) return false;
  if (*out == nullptr) NotifyKey(ctx, kNotifyKeyMiss, "keymiss", h.key());
  return true;
}

// ReadOrReply over the source keys of a multi-key read (SINTER, ZUNION...), in order, into
// (*out)[i]; at the first key of another type it replies WRONGTYPE and returns false, having
// reported the misses before it, as Redis does.
template <class T>
[[nodiscard]] bool ReadEachOrReply(CommandContext& ctx, std::span<store::KeyHandle> hs,
                                   std::vector<const T*>* out) {
  out->resize(hs.size());
  for (size_t i = 0; i < hs.size(); ++i) {
    if (!ReadOrReply(ctx, hs[i], &(*out)[i])) return false;
  }
  return true;
}

// The same for a handler that changes the value: *out is the live entry holding a T.
template <class T>
[[nodiscard]] bool FindEntryOrReply(CommandContext& ctx, store::KeyHandle& h,
                                    store::Entry** out) {
  Result<store::Entry*> found = store::FindEntryAs<T>(h);
  if (ReplyStatus(ctx, found.status())) return false;
  *out = *found;
  return true;
}

// The reply of a store op that counts (HDEL, SADD, APPEND's length...): the count as an
// integer, or the failed status's error.
template <class N>
void ReplyCount(CommandContext& ctx, const Result<N>& count,
                store::ValueType family = store::ValueType::kString) {
  if (ReplyStatus(ctx, count.status(), family)) return;
  ctx.reply.WriteInteger(static_cast<int64_t>(*count));
}

// "ERR unknown subcommand or wrong number of arguments for '<sub>'. Try <CMD> HELP." for a
// container command's subcommand (args[1]) whose arguments are wrong.
void ReplySubcommandSyntaxError(CommandContext& ctx);

// ASCII case-insensitive comparison against a lower-case or upper-case literal.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Parse helpers: on failure they write the error reply and return false.
[[nodiscard]] bool ArgToInt64(CommandContext& ctx, std::string_view arg, int64_t* out);
// Like ArgToInt64 but the value must be within [min, max] (else "out of range" text).
[[nodiscard]] bool ArgToInt64Range(CommandContext& ctx, std::string_view arg, int64_t min,
                                   int64_t max, std::string_view range_error, int64_t* out);
// An integer argument within [min, max]; otherwise (not an integer either) replies error, as
// Redis does for ZPOPMIN's count, LPOS's COUNT and MAXLEN, the MPOPs' numkeys and COUNT.
[[nodiscard]] bool ArgToInt64InRange(CommandContext& ctx, std::string_view arg, int64_t min,
                                     int64_t max, std::string_view error, int64_t* out);
// The optional "[COUNT count]" after LMPOP's LEFT|RIGHT or ZMPOP's MIN|MAX (tail: the
// arguments after it), for them and their blocking forms. Redis's order: a COUNT's value is
// judged ("count should be greater than 0") before a second COUNT or any other word is a
// syntax error. *count is left alone when there is no COUNT.
[[nodiscard]] bool ParseMPopCount(CommandContext& ctx, std::span<const std::string_view> tail,
                                  int64_t* count);
[[nodiscard]] bool ArgToDouble(CommandContext& ctx, std::string_view arg, double* out);
// A database index argument (SELECT, MOVE, COPY DB, SWAPDB).
[[nodiscard]] bool ArgToDb(CommandContext& ctx, std::string_view arg, int* out,
                           std::string_view out_of_range_error);

}  // namespace cairn::server
