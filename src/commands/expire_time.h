// src/commands/expire_time.h — expiry arguments turned into absolute deadlines (unix ms), with
// Redis's overflow rules, shared by the string family (SET EX/PX/EXAT/PXAT, SETEX, PSETEX,
// GETEX) and the generic family (EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT).
//
// Parsing reports a status instead of replying because some commands must look at the key
// before they may complain about the time (GETEX on a missing key replies nil even when its
// EX argument is garbage). ReplyExpireError turns a failed status into Redis's error text.
#pragma once

#include <cstdint>
#include <string_view>

#include "src/exec/command.h"

namespace cairn::server {

enum class TimeUnit { kSeconds, kMilliseconds };
// Relative times (EX, EXPIRE) are added to the store clock; absolute ones (EXAT) are not.
enum class TimeBase { kRelative, kAbsolute };

enum class ExpireParse {
  kOk,
  kNotInteger,  // "ERR value is not an integer or out of range"
  kInvalid,     // "ERR invalid expire time in '<command>' command"
};

// SET-style expiry: the number must be positive and the deadline must fit in int64 ms.
[[nodiscard]] ExpireParse ParseSetExpire(std::string_view arg, TimeUnit unit, TimeBase base,
                                         int64_t now_ms, int64_t* at_ms);

// EXPIRE-style expiry: any integer; zero, negative or past deadlines are allowed (the key is
// then deleted). Only unit conversion or clock addition overflowing int64 is invalid.
[[nodiscard]] ExpireParse ParseKeyExpire(std::string_view arg, TimeUnit unit, TimeBase base,
                                         int64_t now_ms, int64_t* at_ms);

// Writes the error for a failed parse; the command name comes from ctx.spec.
void ReplyExpireError(CommandContext& ctx, ExpireParse status);

}  // namespace cairn::server
