// src/blocking.cc — see blocking.h.
#include "src/blocking.h"

#include <cmath>

#include "resp/number.h"
#include "src/errors.h"
#include "src/server_state.h"

namespace cairn::server {
namespace {

// Redis caps blocking timeouts so that now + timeout cannot overflow.
constexpr int64_t kMaxTimeoutMs = INT64_MAX / 2;

bool DeadlineFromMs(CommandContext& ctx, long double timeout_ms, int64_t* deadline_ms) {
  if (timeout_ms < 0) {
    ctx.reply.WriteError(errors::kTimeoutNegative);
    return false;
  }
  if (timeout_ms > static_cast<long double>(kMaxTimeoutMs)) {
    ctx.reply.WriteError(errors::kTimeoutRange);
    return false;
  }
  auto ms = static_cast<int64_t>(std::ceil(timeout_ms));
  *deadline_ms = ms == 0 ? 0 : ctx.server.store.NowMs() + ms;
  return true;
}

}  // namespace

bool ParseBlockTimeoutSeconds(CommandContext& ctx, std::string_view arg, int64_t* deadline_ms) {
  long double seconds = 0;
  if (!resp::ParseLongDouble(arg, &seconds) || std::isnan(seconds) || std::isinf(seconds)) {
    ctx.reply.WriteError(errors::kTimeoutNotFloat);
    return false;
  }
  return DeadlineFromMs(ctx, seconds * 1000, deadline_ms);
}

bool ParseBlockTimeoutMs(CommandContext& ctx, std::string_view arg, int64_t* deadline_ms) {
  int64_t ms = 0;
  if (!resp::ParseInt64(arg, &ms)) {
    ctx.reply.WriteError(errors::kTimeout);
    return false;
  }
  return DeadlineFromMs(ctx, static_cast<long double>(ms), deadline_ms);
}

void WriteTimeoutReply(resp::Writer& w, TimeoutReply reply) {
  if (reply == TimeoutReply::kNullArray) {
    w.WriteNullArray();
  } else {
    w.WriteNull();
  }
}

void BlockClient(CommandContext& ctx, std::span<const std::string_view> keys, int64_t deadline_ms,
                 TimeoutReply timeout_reply, std::vector<std::string> retry_args) {
  if (ctx.block == nullptr) {
    WriteTimeoutReply(ctx.reply, timeout_reply);
    return;
  }
  BlockRequest& b = *ctx.block;
  b.requested = true;
  b.keys.assign(keys.begin(), keys.end());
  b.deadline_ms = deadline_ms;
  b.timeout_reply = timeout_reply;
  b.retry_args = std::move(retry_args);
}

}  // namespace cairn::server
