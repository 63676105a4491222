// src/blocking.h — clients blocked on keys (BLPOP, BLMOVE, BZPOPMIN, BLMPOP, XREAD BLOCK...).
//
// How a blocking command works, for the command families:
//   1. The handler tries its operation. If it can reply (an element was there), it does.
//   2. Otherwise it calls BlockClient(ctx, keys, timeout_ms, timeout_reply) and writes
//      nothing. Inside MULTI/EXEC, where nothing may block, BlockClient writes the timeout
//      reply at once instead.
//   3. The client's connection stops running its later commands and registers a Waiter with
//      the BlockingRegistry (one for the server, shared by all I/O threads).
//   4. Whenever a write command changes a key — on any thread — the keys it names (the
//      command's key positions) are marked ready, and after that command the registry runs
//      the handler of each waiter blocked on a ready key again, in arrival order, on the
//      writer's thread, with the waiter's arguments and client. If the handler replies, the
//      reply (and the LSN it must wait for) is handed to the waiter's own thread, which sends
//      it and resumes the client; if it calls BlockClient again, the waiter keeps waiting.
//      So a pushed element goes to the longest-waiting client before any later command runs,
//      as in Redis, whichever threads the two clients are on.
//   5. The timeout (0 = forever) fires on the waiter's thread: it writes timeout_reply.
//      A client that disconnects is removed.
//
// A handler that resolves something at block time ("$" in XREAD: "after the last ID now")
// passes the rewritten arguments in retry_args; the retries run with those.
//
// Lock order: the registry's mutex is taken before any shard lock and never while one is
// held (serving runs after the writer's command, outside its Access).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "src/command.h"

namespace cairn::server {

enum class TimeoutReply : uint8_t {
  kNullArray,  // BLPOP, BZPOPMIN, BLMPOP, XREAD: *-1 (RESP3 _)
  kNullBulk,   // BLMOVE, BRPOPLPUSH: $-1 (RESP3 _)
};

// What a handler asks for when it cannot reply yet; the connection acts on it after the
// handler returns.
struct BlockRequest {
  bool requested = false;
  std::vector<std::string> keys;
  int64_t deadline_ms = 0;  // unix ms; 0 = no timeout
  TimeoutReply timeout_reply = TimeoutReply::kNullArray;
  std::vector<std::string> retry_args;  // empty: retry with the original arguments
};

// Parses a timeout given in seconds (BLPOP ... timeout; fractions allowed) into a deadline
// in unix ms (0 for no timeout). Replies with Redis's error and returns false when invalid.
bool ParseBlockTimeoutSeconds(CommandContext& ctx, std::string_view arg, int64_t* deadline_ms);
// The same for a timeout in milliseconds (XREAD BLOCK ms).
bool ParseBlockTimeoutMs(CommandContext& ctx, std::string_view arg, int64_t* deadline_ms);

// Step 2 above. keys are in the client's database.
void BlockClient(CommandContext& ctx, std::span<const std::string_view> keys, int64_t deadline_ms,
                 TimeoutReply timeout_reply, std::vector<std::string> retry_args = {});

// Writes the timeout reply.
void WriteTimeoutReply(resp::Writer& w, TimeoutReply reply);

}  // namespace cairn::server
