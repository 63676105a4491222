// src/commands/pubsub_commands.cc — the Pub/Sub family: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE,
// PUNSUBSCRIBE, SSUBSCRIBE, SUNSUBSCRIBE, PUBLISH, SPUBLISH, PUBSUB.
//
// Every (un)subscribe confirmation is an out-of-band message in Redis 7.0 (a push in RESP3,
// an array in RESP2), one per channel, carrying the client's subscription count after it:
// channels + patterns for the plain and pattern forms, shard channels for the sharded ones.
// The registry and fan-out live in src/exec/pubsub.h.
#include <optional>
#include <string>

#include "src/commands/help_reply.h"
#include "src/exec/command_table.h"
#include "src/exec/pubsub.h"
#include "src/exec/server_state.h"

namespace cairn::server {
namespace {

// How one (un)subscribe form names itself and counts.
struct Form {
  SubKind kind;
  std::string_view subscribe;    // confirmation kind of a subscribe
  std::string_view unsubscribe;  // ... and of an unsubscribe
};

constexpr Form kChannelForm{SubKind::kChannel, "subscribe", "unsubscribe"};
constexpr Form kPatternForm{SubKind::kPattern, "psubscribe", "punsubscribe"};
constexpr Form kShardForm{SubKind::kShard, "ssubscribe", "sunsubscribe"};

int64_t CountFor(const ClientState& client, SubKind kind) {
  return kind == SubKind::kShard ? ShardSubscriptionCount(client) : SubscriptionCount(client);
}

void WriteConfirmation(CommandContext& ctx, std::string_view what, const std::string* name,
                       SubKind kind) {
  ctx.reply.WritePushLen(3);
  ctx.reply.WriteBulk(what);
  if (name != nullptr) {
    ctx.reply.WriteBulk(*name);
  } else {
    ctx.reply.WriteNull();
  }
  ctx.reply.WriteInteger(CountFor(ctx.client, kind));
}

void SubscribeGeneric(CommandContext& ctx, const Form& form) {
  for (size_t i = 1; i < ctx.args.size(); ++i) {
    ctx.server.pubsub.Subscribe(ctx.client, form.kind, ctx.args[i]);
    std::string name(ctx.args[i]);
    WriteConfirmation(ctx, form.subscribe, &name, form.kind);
  }
}

void UnsubscribeGeneric(CommandContext& ctx, const Form& form) {
  std::vector<std::string> names(ctx.args.begin() + 1, ctx.args.end());
  if (names.empty()) {
    const auto& mine = form.kind == SubKind::kChannel   ? ctx.client.pubsub.channels
                       : form.kind == SubKind::kPattern ? ctx.client.pubsub.patterns
                                                        : ctx.client.pubsub.shard_channels;
    names.assign(mine.begin(), mine.end());
  }
  for (const std::string& name : names) {
    ctx.server.pubsub.Unsubscribe(ctx.client, form.kind, name);
    // A message published before the unsubscribe took effect is already in the mailbox:
    // it goes out before the confirmation, as it would have in Redis.
    DeliverMailbox(ctx.client, ctx.reply);
    WriteConfirmation(ctx, form.unsubscribe, &name, form.kind);  // the count left after it
  }
  if (names.empty()) WriteConfirmation(ctx, form.unsubscribe, nullptr, form.kind);
}

void CmdSubscribe(CommandContext& ctx) { SubscribeGeneric(ctx, kChannelForm); }
void CmdUnsubscribe(CommandContext& ctx) { UnsubscribeGeneric(ctx, kChannelForm); }
void CmdPSubscribe(CommandContext& ctx) { SubscribeGeneric(ctx, kPatternForm); }
void CmdPUnsubscribe(CommandContext& ctx) { UnsubscribeGeneric(ctx, kPatternForm); }
void CmdSUnsubscribe(CommandContext& ctx) { UnsubscribeGeneric(ctx, kShardForm); }

void CmdSSubscribe(CommandContext& ctx) {
  // Redis refuses sharded subscriptions where a reply per command is expected (EXEC).
  if (ctx.client.in_exec) {
    ctx.reply.WriteError("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
    return;
  }
  SubscribeGeneric(ctx, kShardForm);
}

void PublishGeneric(CommandContext& ctx, SubKind kind) {
  size_t limit = static_cast<size_t>(
      ctx.server.limits.output_pubsub.hard_bytes.load(std::memory_order_relaxed));
  // The message may tell of the publisher's own writes not yet durable (SET then PUBLISH):
  // it waits for them like a reply would (the connection adds them to what it observed).
  uint64_t lsn = store::Store::PeekObservedLsn();
  int64_t receivers = ctx.server.pubsub.Publish(kind, ctx.args[1], ctx.args[2], limit, lsn);
  // A subscriber publishing to itself (RESP3) gets the message before the reply, as Redis
  // writes it into the client's buffer during the publish.
  if (IsSubscriber(ctx.client)) DeliverMailbox(ctx.client, ctx.reply);
  ctx.reply.WriteInteger(receivers);
}

void CmdPublish(CommandContext& ctx) { PublishGeneric(ctx, SubKind::kChannel); }
void CmdSPublish(CommandContext& ctx) { PublishGeneric(ctx, SubKind::kShard); }

void WriteChannels(CommandContext& ctx, SubKind kind) {
  if (ctx.args.size() > 3) {
    ctx.reply.WriteError("ERR unknown subcommand or wrong number of arguments for '" +
                         std::string(ctx.args[1].substr(0, 128)) + "'. Try PUBSUB HELP.");
    return;
  }
  std::optional<std::string_view> pattern;
  if (ctx.args.size() == 3) pattern = ctx.args[2];
  std::vector<std::string> names = ctx.server.pubsub.Channels(kind, pattern);
  ctx.reply.WriteArrayLen(static_cast<int64_t>(names.size()));
  for (const std::string& name : names) ctx.reply.WriteBulk(name);
}

void WriteNumSub(CommandContext& ctx, SubKind kind) {
  // A flat channel, count, channel, count... array in both protocols, as Redis 7.0 sends.
  ctx.reply.WriteArrayLen(static_cast<int64_t>(ctx.args.size() - 2) * 2);
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    ctx.reply.WriteBulk(ctx.args[i]);
    ctx.reply.WriteInteger(ctx.server.pubsub.SubscriberCount(kind, ctx.args[i]));
  }
}

void CmdPubSubChannels(CommandContext& ctx) { WriteChannels(ctx, SubKind::kChannel); }
void CmdPubSubShardChannels(CommandContext& ctx) { WriteChannels(ctx, SubKind::kShard); }
void CmdPubSubNumSub(CommandContext& ctx) { WriteNumSub(ctx, SubKind::kChannel); }
void CmdPubSubShardNumSub(CommandContext& ctx) { WriteNumSub(ctx, SubKind::kShard); }
void CmdPubSubNumPat(CommandContext& ctx) {
  ctx.reply.WriteInteger(ctx.server.pubsub.Count(SubKind::kPattern));
}

void CmdPubSubHelp(CommandContext& ctx) {
  ReplyHelp(ctx.reply, "PUBSUB",
            {"CHANNELS [<pattern>]",
             "    Return the currently active channels matching a <pattern> (default: '*').",
             "NUMPAT", "    Return number of subscriptions to patterns.",
             "NUMSUB [<channel> ...]",
             "    Return the number of subscribers for the specified channels, excluding",
             "    pattern subscriptions(default: no channels).",
             "SHARDCHANNELS [<pattern>]",
             "    Return the currently active shard level channels matching a <pattern> "
             "(default: '*').",
             "SHARDNUMSUB [<shardchannel> ...]",
             "    Return the number of subscribers for the specified shard level channel(s)"});
}

}  // namespace

void RegisterPubSubCommands(CommandTable& table) {
  constexpr std::string_view kGroup = "pubsub";
  // What Redis 7.0 declares for the subscribe family: allowed while loading or stale, not
  // from scripts; and runnable by a RESP2 client in subscribed mode.
  constexpr uint32_t kSubscribe = kPubSub | kNoScript | kLoading | kStale | kSubscribedContext;
  constexpr uint32_t kPublish = kPubSub | kLoading | kStale | kFast | kMayReplicate;
  constexpr uint32_t kIntrospect = kPubSub | kLoading | kStale;
  table.Add({
      {.name = "subscribe", .arity = -2, .flags = kSubscribe, .handler = CmdSubscribe,
       .group = kGroup, .since = "2.0.0",
       .summary = "Listen for messages published to the given channels",
       .complexity = "O(N) where N is the number of channels to subscribe to.",
       .syntax = "channel [channel ...]"},
      {.name = "unsubscribe", .arity = -1, .flags = kSubscribe, .handler = CmdUnsubscribe,
       .group = kGroup, .since = "2.0.0",
       .summary = "Stop listening for messages posted to the given channels",
       .complexity = "O(N) where N is the number of clients already subscribed to a channel.",
       .syntax = "[channel [channel ...]]"},
      {.name = "psubscribe", .arity = -2, .flags = kSubscribe, .handler = CmdPSubscribe,
       .group = kGroup, .since = "2.0.0",
       .summary = "Listen for messages published to channels matching the given patterns",
       .complexity = "O(N) where N is the number of patterns the client is already subscribed "
                     "to.",
       .syntax = "pattern [pattern ...]"},
      {.name = "punsubscribe", .arity = -1, .flags = kSubscribe, .handler = CmdPUnsubscribe,
       .group = kGroup, .since = "2.0.0",
       .summary = "Stop listening for messages posted to channels matching the given patterns",
       .complexity = "O(N+M) where N is the number of patterns the client is already subscribed "
                     "and M is the number of total patterns subscribed in the system (by any "
                     "client).",
       .syntax = "[pattern [pattern ...]]"},
      {.name = "ssubscribe", .arity = -2, .flags = kSubscribe, .first_key = 1, .last_key = -1,
       .key_step = 1, .handler = CmdSSubscribe, .group = kGroup, .since = "7.0.0",
       .summary = "Listen for messages published to the given shard channels",
       .complexity = "O(N) where N is the number of shard channels to subscribe to.",
       .syntax = "shardchannel [shardchannel ...]"},
      {.name = "sunsubscribe", .arity = -1, .flags = kSubscribe, .first_key = 1, .last_key = -1,
       .key_step = 1, .handler = CmdSUnsubscribe, .group = kGroup, .since = "7.0.0",
       .summary = "Stop listening for messages posted to the given shard channels",
       .complexity = "O(N) where N is the number of clients already subscribed to a shard "
                     "channel.",
       .syntax = "[shardchannel [shardchannel ...]]"},
      {.name = "publish", .arity = 3, .flags = kPublish, .handler = CmdPublish, .group = kGroup,
       .since = "2.0.0", .summary = "Post a message to a channel",
       .complexity = "O(N+M) where N is the number of clients subscribed to the receiving "
                     "channel and M is the total number of subscribed patterns (by any client).",
       .syntax = "channel message"},
      {.name = "spublish", .arity = 3, .flags = kPublish, .first_key = 1, .last_key = 1,
       .key_step = 1, .handler = CmdSPublish, .group = kGroup, .since = "7.0.0",
       .summary = "Post a message to a shard channel",
       .complexity = "O(N) where N is the number of clients subscribed to the receiving shard "
                     "channel.",
       .syntax = "shardchannel message"},
      {.name = "pubsub", .arity = -2, .group = kGroup, .since = "2.8.0",
       .summary = "A container for Pub/Sub commands", .complexity = "Depends on subcommand.",
       .subcommands = {
           {.name = "pubsub|channels", .arity = -2, .flags = kIntrospect,
            .handler = CmdPubSubChannels, .group = kGroup, .since = "2.8.0",
            .summary = "List active channels",
            .complexity = "O(N) where N is the number of active channels, and assuming "
                          "constant time pattern matching (relatively short channels and "
                          "patterns)",
            .syntax = "[pattern]"},
           {.name = "pubsub|help", .arity = 2, .flags = kLoading | kStale,
            .handler = CmdPubSubHelp, .group = kGroup, .since = "6.2.0",
            .summary = "Show helpful text about the different subcommands",
            .complexity = "O(1)"},
           {.name = "pubsub|numpat", .arity = 2, .flags = kIntrospect, .handler = CmdPubSubNumPat,
            .group = kGroup, .since = "2.8.0",
            .summary = "Get the count of unique patterns pattern subscriptions",
            .complexity = "O(1)"},
           {.name = "pubsub|numsub", .arity = -2, .flags = kIntrospect,
            .handler = CmdPubSubNumSub, .group = kGroup, .since = "2.8.0",
            .summary = "Get the count of subscribers for channels",
            .complexity = "O(N) for the NUMSUB subcommand, where N is the number of requested "
                          "channels",
            .syntax = "[channel [channel ...]]"},
           {.name = "pubsub|shardchannels", .arity = -2, .flags = kIntrospect,
            .handler = CmdPubSubShardChannels, .group = kGroup, .since = "7.0.0",
            .summary = "List active shard channels",
            .complexity = "O(N) where N is the number of active shard channels, and assuming "
                          "constant time pattern matching (relatively short shard channels).",
            .syntax = "[pattern]"},
           {.name = "pubsub|shardnumsub", .arity = -2, .flags = kIntrospect,
            .handler = CmdPubSubShardNumSub, .group = kGroup, .since = "7.0.0",
            .summary = "Get the count of subscribers for shard channels",
            .complexity = "O(N) for the SHARDNUMSUB subcommand, where N is the number of "
                          "requested shard channels",
            .syntax = "[shardchannel [shardchannel ...]]"},
       }},
  });
}

}  // namespace cairn::server
