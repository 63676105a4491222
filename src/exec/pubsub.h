// src/exec/pubsub.h — Pub/Sub: who is subscribed to what, and PUBLISH's fan-out to them.
//
// Three namespaces, as in Redis 7.0: channels (SUBSCRIBE), patterns (PSUBSCRIBE, the same
// glob as KEYS, matched against channels at publish time) and shard channels (SSUBSCRIBE;
// a namespace of their own: PUBLISH never reaches them, nor SPUBLISH plain subscribers).
//
// Publishing runs on the publisher's thread: it encodes the message once per protocol and
// posts the bytes into each receiver's Mailbox (mailbox.h), which wakes the receiver's own
// I/O thread. The publisher never waits for a subscriber's socket: a slow subscriber's
// mailbox stops taking messages at its output limit and the subscriber is disconnected.
// Messages from one publisher reach every subscriber in publish order (each mailbox is a
// FIFO and a publisher posts one message to all receivers before the next).
//
// The registry's mutex is shared by publishers and exclusive for (un)subscribing; a client
// is removed (RemoveClient) before its ClientState is destroyed, so a publisher holding the
// shared lock never posts to a freed client. Subscribe, Unsubscribe and RemoveClient run on
// the client's owner thread, which alone touches ClientState::pubsub's sets.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "resp/writer.h"
#include "src/base/string_hash.h"
#include "src/exec/client.h"

namespace cairn::server {

enum class SubKind : uint8_t { kChannel, kPattern, kShard };

class PubSub {
 public:
  // Adds the subscription; false if client had it already.
  bool Subscribe(ClientState& client, SubKind kind, std::string_view name);
  // Removes it; false if client did not have it.
  bool Unsubscribe(ClientState& client, SubKind kind, std::string_view name);
  // Removes every subscription of client, without replies (disconnect, RESET).
  void RemoveClient(ClientState& client);

  // Sends message to the subscribers of channel and, for kChannel, of every matching
  // pattern; kShard reaches the shard channel's subscribers only. Returns the receivers as
  // Redis counts them (a client subscribed by name and by a pattern counts, and receives,
  // twice). mailbox_limit_bytes: refuse posts to a mailbox holding that much (0: none).
  // lsn: the WAL position the message may reveal (Mailbox::Post).
  int64_t Publish(SubKind kind, std::string_view channel, std::string_view message,
                  size_t mailbox_limit_bytes, uint64_t lsn);

  // PUBSUB CHANNELS / SHARDCHANNELS: active channels (with at least one subscriber)
  // matching pattern (none: all).
  std::vector<std::string> Channels(SubKind kind,
                                    std::optional<std::string_view> pattern) const;
  // PUBSUB NUMSUB / SHARDNUMSUB: subscribers of one channel.
  int64_t SubscriberCount(SubKind kind, std::string_view channel) const;
  // Distinct channels, patterns or shard channels with at least one subscriber (PUBSUB
  // NUMPAT; INFO's pubsub_channels, pubsub_patterns, pubsubshard_channels).
  int64_t Count(SubKind kind) const;

  // The ids, among ids, of clients with a subscription keep(kind, name) refuses (ACL
  // SETUSER taking channels away). Any thread; holds the registry's lock shared.
  std::vector<uint64_t> ClientsRefused(
      const std::vector<uint64_t>& ids,
      const std::function<bool(SubKind, std::string_view)>& keep) const;

 private:
  using Index =
      std::unordered_map<std::string, std::vector<ClientState*>, StringViewHash, std::equal_to<>>;
  Index& IndexOf(SubKind kind);
  const Index& IndexOf(SubKind kind) const;
  void RemoveLocked(ClientState& client, SubKind kind, const std::string& name);

  mutable std::shared_mutex mu_;
  Index channels_;  // guarded by mu_
  Index patterns_;
  Index shard_channels_;
};

// A client's own subscriptions (ClientState::pubsub), for its replies: the counts a
// (un)subscribe reply carries and CLIENT LIST's sub/psub/ssub.
int64_t SubscriptionCount(const ClientState& client);       // channels + patterns
int64_t ShardSubscriptionCount(const ClientState& client);  // shard channels
// Whether the client has any subscription (Redis's "pubsub" client class).
bool IsSubscriber(const ClientState& client);

// Appends the client's pending messages to writer (owner thread): before a reply that must
// come after them. Returns the LSN they must wait for (Mailbox::TakeInto).
uint64_t DeliverMailbox(ClientState& client, resp::Writer& writer);

}  // namespace cairn::server
