// src/commands/tracking_commands.cc — client-side caching: CLIENT TRACKING, CLIENT CACHING,
// CLIENT TRACKINGINFO and CLIENT GETREDIR (the table and invalidations: src/exec/tracking.h).
//
// Replies and error texts are Redis 7.0's. CLIENT's container lives in client_command.cc,
// which appends ClientTrackingSubcommands() to its list.
#include <string>
#include <vector>

#include "resp/number.h"
#include "src/commands/server_family.h"
#include "src/exec/errors.h"
#include "src/exec/reply.h"
#include "src/exec/server_state.h"

namespace cairn::server {
namespace {

constexpr std::string_view kSingleRedirect =
    "ERR A client can only redirect to a single other client";
constexpr std::string_view kNoRedirectTarget =
    "ERR The client ID you want redirect to does not exist";
constexpr std::string_view kPrefixNeedsBcast =
    "ERR PREFIX option requires BCAST mode to be enabled";
constexpr std::string_view kSwitchBcast =
    "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then "
    "re-enabling it with a different mode.";
constexpr std::string_view kOptBcast = "ERR OPTIN and OPTOUT are not compatible with BCAST";
constexpr std::string_view kOptInAndOut = "ERR You can't specify both OPTIN mode and OPTOUT mode";
constexpr std::string_view kSwitchOpt =
    "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then "
    "re-enabling it with a different mode.";
constexpr std::string_view kCachingNeedsOpt =
    "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or "
    "OPTOUT mode enabled";
constexpr std::string_view kCachingYes =
    "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.";
constexpr std::string_view kCachingNo =
    "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.";

struct TrackingArgs {
  uint64_t redirect = 0;
  uint32_t options = 0;
  std::vector<std::string_view> prefixes;
};

// CLIENT TRACKING's options (args[3...]); replies the error and returns false when bad.
bool ParseTrackingArgs(CommandContext& ctx, TrackingArgs* out) {
  for (size_t j = 3; j < ctx.args.size(); ++j) {
    std::string_view a = ctx.args[j];
    bool more = j + 1 < ctx.args.size();
    if (EqualsIgnoreCase(a, "redirect") && more) {
      if (out->redirect != 0) {
        ctx.reply.WriteError(kSingleRedirect);
        return false;
      }
      int64_t id = 0;
      if (!resp::ParseInt64(ctx.args[++j], &id)) {
        ctx.reply.WriteError(errors::kNotInteger);
        return false;
      }
      // The target must exist now, though it may go away later (then: broken_redirect).
      if (id <= 0 || !ctx.server.clients.WithClient(static_cast<uint64_t>(id), [](auto&) {})) {
        ctx.reply.WriteError(kNoRedirectTarget);
        return false;
      }
      out->redirect = static_cast<uint64_t>(id);
    } else if (EqualsIgnoreCase(a, "bcast")) {
      out->options |= kTrackingBcast;
    } else if (EqualsIgnoreCase(a, "optin")) {
      out->options |= kTrackingOptIn;
    } else if (EqualsIgnoreCase(a, "optout")) {
      out->options |= kTrackingOptOut;
    } else if (EqualsIgnoreCase(a, "noloop")) {
      out->options |= kTrackingNoLoop;
    } else if (EqualsIgnoreCase(a, "prefix") && more) {
      out->prefixes.push_back(ctx.args[++j]);
    } else {
      ctx.reply.WriteError(errors::kSyntax);
      return false;
    }
  }
  return true;
}

// Why the options cannot turn tracking on for this client now; empty when they can.
std::string TrackingOnError(CommandContext& ctx, const TrackingArgs& t) {
  uint32_t current = ctx.client.tracking;
  bool bcast = t.options & kTrackingBcast;
  if (!bcast && !t.prefixes.empty()) return std::string(kPrefixNeedsBcast);
  if ((current & kTrackingOn) && bool(current & kTrackingBcast) != bcast) {
    return std::string(kSwitchBcast);
  }
  if (bcast && (t.options & (kTrackingOptIn | kTrackingOptOut))) return std::string(kOptBcast);
  if ((t.options & kTrackingOptIn) && (t.options & kTrackingOptOut)) {
    return std::string(kOptInAndOut);
  }
  if (((t.options & kTrackingOptIn) && (current & kTrackingOptOut)) ||
      ((t.options & kTrackingOptOut) && (current & kTrackingOptIn))) {
    return std::string(kSwitchOpt);
  }
  if (bcast) return ctx.server.tracking.CheckPrefixes(ctx.client, t.prefixes);
  return {};
}

void CmdClientTracking(CommandContext& ctx) {
  TrackingArgs t;
  if (!ParseTrackingArgs(ctx, &t)) return;
  if (EqualsIgnoreCase(ctx.args[2], "on")) {
    std::string error = TrackingOnError(ctx, t);
    if (!error.empty()) {
      ctx.reply.WriteError(error);
      return;
    }
    ctx.server.tracking.Enable(ctx.client, t.redirect, t.options, t.prefixes);
  } else if (EqualsIgnoreCase(ctx.args[2], "off")) {
    ctx.server.tracking.Disable(ctx.client);
  } else {
    ctx.reply.WriteError(errors::kSyntax);
    return;
  }
  ctx.reply.WriteOk();
}

void CmdClientCaching(CommandContext& ctx) {
  uint32_t& flags = ctx.client.tracking;
  if (!(flags & kTrackingOn)) {
    ctx.reply.WriteError(kCachingNeedsOpt);
    return;
  }
  if (EqualsIgnoreCase(ctx.args[2], "yes")) {
    if (!(flags & kTrackingOptIn)) {
      ctx.reply.WriteError(kCachingYes);
      return;
    }
  } else if (EqualsIgnoreCase(ctx.args[2], "no")) {
    if (!(flags & kTrackingOptOut)) {
      ctx.reply.WriteError(kCachingNo);
      return;
    }
  } else {
    ctx.reply.WriteError(errors::kSyntax);
    return;
  }
  flags |= kTrackingCaching;
  ctx.reply.WriteOk();
}

void CmdClientTrackingInfo(CommandContext& ctx) {
  TrackingInfo info = ctx.server.tracking.Info(ctx.client);
  std::vector<std::string_view> flags;
  flags.push_back(info.flags & kTrackingOn ? "on" : "off");
  if (info.flags & kTrackingBcast) flags.push_back("bcast");
  if (info.flags & kTrackingOptIn) {
    flags.push_back("optin");
    if (info.flags & kTrackingCaching) flags.push_back("caching-yes");
  }
  if (info.flags & kTrackingOptOut) {
    flags.push_back("optout");
    if (info.flags & kTrackingCaching) flags.push_back("caching-no");
  }
  if (info.flags & kTrackingNoLoop) flags.push_back("noloop");
  if (info.flags & kTrackingBrokenRedirect) flags.push_back("broken_redirect");
  resp::Writer& w = ctx.reply;
  w.WriteMapLen(3);
  w.WriteBulk("flags");
  w.WriteSetLen(static_cast<int64_t>(flags.size()));
  for (std::string_view f : flags) w.WriteBulk(f);
  w.WriteBulk("redirect");
  w.WriteInteger(info.flags & kTrackingOn ? info.redirect : -1);
  w.WriteBulk("prefixes");
  w.WriteArrayLen(static_cast<int64_t>(info.prefixes.size()));
  for (const std::string& p : info.prefixes) w.WriteBulk(p);
}

void CmdClientGetRedir(CommandContext& ctx) {
  TrackingInfo info = ctx.server.tracking.Info(ctx.client);
  ctx.reply.WriteInteger(info.flags & kTrackingOn ? info.redirect : -1);
}

}  // namespace

std::vector<CommandSpec> ClientTrackingSubcommands() {
  constexpr std::string_view kGroup = "connection";
  constexpr uint32_t kFlags = kNoScript | kLoading | kStale;
  return {
      {.name = "client|caching", .arity = 3, .flags = kFlags, .handler = CmdClientCaching,
       .group = kGroup, .since = "6.0.0",
       .summary = "Instruct the server about tracking or not keys in the next request",
       .complexity = "O(1)", .syntax = "<YES | NO>"},
      {.name = "client|getredir", .arity = 2, .flags = kFlags, .handler = CmdClientGetRedir,
       .group = kGroup, .since = "6.0.0",
       .summary = "Get tracking notifications redirection client ID if any", .complexity = "O(1)"},
      {.name = "client|tracking", .arity = -3, .flags = kFlags, .handler = CmdClientTracking,
       .group = kGroup, .since = "6.0.0",
       .summary = "Enable or disable server assisted client side caching support",
       .complexity = "O(1). Some options may introduce additional complexity.",
       .syntax = "<ON | OFF> [REDIRECT client-id] [PREFIX prefix [PREFIX prefix ...]] [BCAST] "
                 "[OPTIN] [OPTOUT] [NOLOOP]"},
      {.name = "client|trackinginfo", .arity = 2, .flags = kFlags,
       .handler = CmdClientTrackingInfo, .group = kGroup, .since = "6.2.0",
       .summary = "Return information about server assisted client side caching for the "
                  "current connection",
       .complexity = "O(1)"},
  };
}

}  // namespace cairn::server
