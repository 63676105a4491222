// src/commands/expire_time.cc — see expire_time.h.
#include "src/commands/expire_time.h"

#include <limits>
#include <string>

#include "resp/number.h"
#include "src/exec/errors.h"

namespace cairn::server {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

// Adds the clock for relative times; false if the sum would not fit.
bool AddBase(int64_t ms, TimeBase base, int64_t now_ms, int64_t* at_ms) {
  if (base == TimeBase::kAbsolute) {
    *at_ms = ms;
    return true;
  }
  if (ms > kMax - now_ms) return false;
  *at_ms = ms + now_ms;
  return true;
}

}  // namespace

ExpireParse ParseSetExpire(std::string_view arg, TimeUnit unit, TimeBase base, int64_t now_ms,
                           int64_t* at_ms) {
  int64_t value = 0;
  if (!resp::ParseInt64(arg, &value)) return ExpireParse::kNotInteger;
  if (value <= 0) return ExpireParse::kInvalid;
  if (unit == TimeUnit::kSeconds) {
    if (value > kMax / 1000) return ExpireParse::kInvalid;
    value *= 1000;
  }
  return AddBase(value, base, now_ms, at_ms) ? ExpireParse::kOk : ExpireParse::kInvalid;
}

ExpireParse ParseKeyExpire(std::string_view arg, TimeUnit unit, TimeBase base, int64_t now_ms,
                           int64_t* at_ms) {
  int64_t value = 0;
  if (!resp::ParseInt64(arg, &value)) return ExpireParse::kNotInteger;
  if (unit == TimeUnit::kSeconds) {
    if (value > kMax / 1000 || value < kMin / 1000) return ExpireParse::kInvalid;
    value *= 1000;
  }
  return AddBase(value, base, now_ms, at_ms) ? ExpireParse::kOk : ExpireParse::kInvalid;
}

void ReplyExpireError(CommandContext& ctx, ExpireParse status) {
  if (status == ExpireParse::kNotInteger) {
    ctx.reply.WriteError(errors::kNotInteger);
    return;
  }
  ctx.reply.WriteError("ERR invalid expire time in '" + std::string(ctx.spec->name) + "' command");
}

}  // namespace cairn::server
