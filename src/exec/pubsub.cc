// src/exec/pubsub.cc — see pubsub.h.
#include "src/exec/pubsub.h"

#include <algorithm>
#include <mutex>

#include "src/base/glob.h"
#include "src/exec/client_eviction.h"

namespace cairn::server {
namespace {

std::set<std::string, std::less<>>& SetOf(ClientState& c, SubKind kind) {
  switch (kind) {
    case SubKind::kChannel: return c.pubsub.channels;
    case SubKind::kPattern: return c.pubsub.patterns;
    case SubKind::kShard: return c.pubsub.shard_channels;
  }
  return c.pubsub.channels;
}

std::atomic<int>& CountOf(ClientState& c, SubKind kind) {
  switch (kind) {
    case SubKind::kChannel: return c.pubsub.channel_count;
    case SubKind::kPattern: return c.pubsub.pattern_count;
    case SubKind::kShard: return c.pubsub.shard_count;
  }
  return c.pubsub.channel_count;
}

void AppendBulk(std::string* out, std::string_view bytes) {
  out->append("$").append(std::to_string(bytes.size())).append("\r\n");
  out->append(bytes).append("\r\n");
}

// One message in both protocols: RESP2 sends an array, RESP3 a push; only the first byte
// differs. Built on first use, so a channel with only RESP2 subscribers encodes once.
class Encoded {
 public:
  // kind_name: "message", "smessage" or "pmessage" (then pattern is its second element).
  Encoded(std::string_view kind_name, std::string_view pattern, std::string_view channel,
          std::string_view message)
      : kind_name_(kind_name), pattern_(pattern), channel_(channel), message_(message) {}

  std::string_view For(int protocol) {
    if (resp2_.empty()) {
      resp2_ = pattern_.empty() ? "*3\r\n" : "*4\r\n";
      AppendBulk(&resp2_, kind_name_);
      if (!pattern_.empty()) AppendBulk(&resp2_, pattern_);
      AppendBulk(&resp2_, channel_);
      AppendBulk(&resp2_, message_);
    }
    if (protocol < 3) return resp2_;
    if (resp3_.empty()) {
      resp3_ = resp2_;
      resp3_[0] = '>';
    }
    return resp3_;
  }

 private:
  std::string_view kind_name_, pattern_, channel_, message_;
  std::string resp2_, resp3_;
};

int64_t PostAll(const std::vector<ClientState*>& receivers, Encoded& encoded, size_t limit,
                uint64_t lsn) {
  for (ClientState* c : receivers) {
    c->mailbox.Post(encoded.For(c->protocol.load(std::memory_order_relaxed)), limit, lsn);
  }
  return static_cast<int64_t>(receivers.size());
}

}  // namespace

PubSub::Index& PubSub::IndexOf(SubKind kind) {
  switch (kind) {
    case SubKind::kChannel: return channels_;
    case SubKind::kPattern: return patterns_;
    case SubKind::kShard: return shard_channels_;
  }
  return channels_;
}

const PubSub::Index& PubSub::IndexOf(SubKind kind) const {
  return const_cast<PubSub*>(this)->IndexOf(kind);
}

bool PubSub::Subscribe(ClientState& client, SubKind kind, std::string_view name) {
  auto [it, added] = SetOf(client, kind).emplace(name);
  if (!added) return false;
  {
    std::unique_lock lock(mu_);
    IndexOf(kind)[*it].push_back(&client);
  }
  CountOf(client, kind).fetch_add(1, std::memory_order_relaxed);
  client.pubsub.bytes += name.size() + kSubscriptionOverheadBytes;
  return true;
}

void PubSub::RemoveLocked(ClientState& client, SubKind kind, const std::string& name) {
  Index& index = IndexOf(kind);
  auto it = index.find(name);
  if (it == index.end()) return;
  std::vector<ClientState*>& subs = it->second;
  // Subscription order is delivery order; keep it for the others.
  subs.erase(std::find(subs.begin(), subs.end(), &client));
  if (subs.empty()) index.erase(it);  // PUBSUB CHANNELS lists active channels only
}

bool PubSub::Unsubscribe(ClientState& client, SubKind kind, std::string_view name) {
  std::set<std::string, std::less<>>& mine = SetOf(client, kind);
  auto it = mine.find(name);
  if (it == mine.end()) return false;
  {
    std::unique_lock lock(mu_);
    RemoveLocked(client, kind, *it);
  }
  client.pubsub.bytes -= it->size() + kSubscriptionOverheadBytes;
  mine.erase(it);
  CountOf(client, kind).fetch_sub(1, std::memory_order_relaxed);
  return true;
}

void PubSub::RemoveClient(ClientState& client) {
  if (client.pubsub.channels.empty() && client.pubsub.patterns.empty() &&
      client.pubsub.shard_channels.empty()) {
    return;
  }
  std::unique_lock lock(mu_);
  for (SubKind kind : {SubKind::kChannel, SubKind::kPattern, SubKind::kShard}) {
    for (const std::string& name : SetOf(client, kind)) RemoveLocked(client, kind, name);
    SetOf(client, kind).clear();
    CountOf(client, kind).store(0, std::memory_order_relaxed);
  }
  client.pubsub.bytes = 0;
}

int64_t PubSub::Publish(SubKind kind, std::string_view channel, std::string_view message,
                        size_t mailbox_limit_bytes, uint64_t lsn) {
  int64_t receivers = 0;
  std::shared_lock lock(mu_);
  const Index& index = IndexOf(kind);
  if (auto it = index.find(channel); it != index.end()) {
    Encoded encoded(kind == SubKind::kShard ? "smessage" : "message", {}, channel, message);
    receivers += PostAll(it->second, encoded, mailbox_limit_bytes, lsn);
  }
  if (kind != SubKind::kChannel) return receivers;
  for (const auto& [pattern, subs] : patterns_) {
    if (!GlobMatch(pattern, channel)) continue;
    Encoded encoded("pmessage", pattern, channel, message);
    receivers += PostAll(subs, encoded, mailbox_limit_bytes, lsn);
  }
  return receivers;
}

std::vector<std::string> PubSub::Channels(SubKind kind,
                                          std::optional<std::string_view> pattern) const {
  std::vector<std::string> out;
  std::shared_lock lock(mu_);
  for (const auto& [name, subs] : IndexOf(kind)) {
    if (!pattern || GlobMatch(*pattern, name)) out.push_back(name);
  }
  return out;
}

int64_t PubSub::SubscriberCount(SubKind kind, std::string_view channel) const {
  std::shared_lock lock(mu_);
  const Index& index = IndexOf(kind);
  auto it = index.find(channel);
  return it == index.end() ? 0 : static_cast<int64_t>(it->second.size());
}

int64_t PubSub::Count(SubKind kind) const {
  std::shared_lock lock(mu_);
  return static_cast<int64_t>(IndexOf(kind).size());
}

int64_t SubscriptionCount(const ClientState& client) {
  return static_cast<int64_t>(client.pubsub.channels.size() + client.pubsub.patterns.size());
}

int64_t ShardSubscriptionCount(const ClientState& client) {
  return static_cast<int64_t>(client.pubsub.shard_channels.size());
}

bool IsSubscriber(const ClientState& client) {
  return !client.pubsub.channels.empty() || !client.pubsub.patterns.empty() ||
         !client.pubsub.shard_channels.empty();
}

uint64_t DeliverMailbox(ClientState& client, resp::Writer& writer) {
  if (client.mailbox.bytes() == 0) return 0;
  thread_local std::string pending;
  uint64_t lsn = client.mailbox.TakeInto(&pending);
  writer.WriteRaw(pending);
  pending.clear();
  return lsn;
}

std::vector<uint64_t> PubSub::ClientsRefused(
    const std::vector<uint64_t>& ids,
    const std::function<bool(SubKind, std::string_view)>& keep) const {
  std::vector<uint64_t> refused;
  std::shared_lock lock(mu_);
  for (SubKind kind : {SubKind::kChannel, SubKind::kPattern, SubKind::kShard}) {
    for (const auto& [name, subs] : IndexOf(kind)) {
      for (const ClientState* c : subs) {
        bool ours = std::find(ids.begin(), ids.end(), c->id) != ids.end();
        bool known = std::find(refused.begin(), refused.end(), c->id) != refused.end();
        if (ours && !known && !keep(kind, name)) refused.push_back(c->id);
      }
    }
  }
  return refused;
}

}  // namespace cairn::server
