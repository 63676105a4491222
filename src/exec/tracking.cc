// src/exec/tracking.cc — see tracking.h.
#include "src/exec/tracking.h"

#include <algorithm>
#include <utility>

#include "resp/number.h"
#include "src/exec/command.h"
#include "src/exec/server_state.h"

namespace cairn::server {
namespace {

// What the calling thread changed since its last Invalidate (filled under shard locks).
thread_local std::vector<std::string> pending_keys;
thread_local std::vector<uint64_t> pending_writers;
thread_local bool pending_flush = false;
// The client whose command runs on this thread (NOLOOP); 0 outside commands.
thread_local uint64_t current_writer = 0;
// Nesting of RunCommand (EXEC runs its queued commands inside its own).
thread_local int command_depth = 0;

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

// Whether one of a and b is a prefix of the other (Redis's overlap test).
bool Overlaps(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size());
  return a.substr(0, n) == b.substr(0, n);
}

// Keys a read-only command reads: its key positions, plus the keys kMovableKeys commands
// find in their arguments (a numkeys count after the name, or XREAD's STREAMS section).
void CollectReadKeys(const CommandSpec& spec, std::span<const std::string_view> args,
                     std::vector<std::string_view>* keys) {
  spec.ForEachKey(args, [&](std::string_view key) { keys->push_back(key); });
  if (!(spec.flags & kMovableKeys) || spec.key_positions != nullptr) return;
  if (spec.name == "xread") {
    for (size_t i = 1; i < args.size(); ++i) {
      if (args[i].size() != 7 || !std::equal(args[i].begin(), args[i].end(), "streams",
                                             [](char a, char b) { return std::tolower(a) == b; })) {
        continue;
      }
      size_t n = (args.size() - i - 1) / 2;
      for (size_t k = 0; k < n; ++k) keys->push_back(args[i + 1 + k]);
      return;
    }
    return;
  }
  int64_t numkeys = 0;
  if (args.size() < 2 || !resp::ParseInt64(args[1], &numkeys) || numkeys <= 0) return;
  for (size_t k = 0; k < static_cast<size_t>(numkeys) && 2 + k < args.size(); ++k) {
    keys->push_back(args[2 + k]);
  }
}

// Whether a client with tracking flags f remembers what its next command reads (the
// default mode, with OPTIN/OPTOUT deciding by CLIENT CACHING).
bool RemembersReads(uint32_t f) {
  bool given = f & kTrackingCaching;
  return (f & kTrackingOn) && !(f & kTrackingBcast) && !((f & kTrackingOptIn) && !given) &&
         !((f & kTrackingOptOut) && given);
}

bool IsScriptCall(const CommandSpec& spec) {
  return spec.name == "eval_ro" || spec.name == "evalsha_ro" || spec.name == "fcall_ro";
}

std::string Bulk(std::string_view s) {
  std::string out = "$" + std::to_string(s.size()) + "\r\n";
  out.append(s);
  out += "\r\n";
  return out;
}

// The key list: an array, or a null when the keyspace was flushed.
std::string KeyList(const std::vector<std::string>& keys, bool flush, int protocol) {
  if (flush) return protocol >= 3 ? "_\r\n" : "$-1\r\n";
  std::string out = "*" + std::to_string(keys.size()) + "\r\n";
  for (const std::string& k : keys) out += Bulk(k);
  return out;
}

bool Subscribed(const ClientState& c) {
  return c.pubsub.channel_count.load(std::memory_order_relaxed) +
             c.pubsub.pattern_count.load(std::memory_order_relaxed) +
             c.pubsub.shard_count.load(std::memory_order_relaxed) >
         0;
}

size_t MailLimit(ServerState& server, const ClientState& c) {
  const RuntimeLimits& l = server.limits;
  return static_cast<size_t>((Subscribed(c) ? l.output_pubsub.hard_bytes : l.output_normal.hard_bytes)
                                 .load(std::memory_order_relaxed));
}

}  // namespace

void Tracking::Install(store::Store* store) {
  store_ = store;
  store->set_changed_hook(OnChanged, this);
}

void Tracking::OnChanged(void*, std::string_view key, store::Store::Change change) {
  if (change == store::Store::Change::kFlush) {
    pending_flush = true;
    return;
  }
  pending_keys.emplace_back(key);
  pending_writers.push_back(change == store::Store::Change::kExpired ? 0 : current_writer);
}

// ---- options (owner thread) ----------------------------------------------------------------

std::string Tracking::CheckPrefixes(const ClientState& client,
                                    std::span<const std::string_view> prefixes) {
  std::lock_guard lock(mu_);
  auto it = clients_.find(client.id);
  for (size_t i = 0; i < prefixes.size(); ++i) {
    if (it != clients_.end()) {
      for (const std::string& existing : it->second.prefixes) {
        if (!Overlaps(existing, prefixes[i])) continue;
        return "ERR Prefix '" + std::string(prefixes[i]) + "' overlaps with an existing prefix '" +
               existing + "'. Prefixes for a single client must not overlap.";
      }
    }
    for (size_t j = i + 1; j < prefixes.size(); ++j) {
      if (!Overlaps(prefixes[i], prefixes[j])) continue;
      return "ERR Prefix '" + std::string(prefixes[i]) +
             "' overlaps with another provided prefix '" + std::string(prefixes[j]) +
             "'. Prefixes for a single client must not overlap.";
    }
  }
  return {};
}

void Tracking::Enable(ClientState& client, uint64_t redirect, uint32_t options,
                      std::span<const std::string_view> prefixes) {
  constexpr uint32_t kOptions = kTrackingBcast | kTrackingOptIn | kTrackingOptOut | kTrackingNoLoop;
  std::lock_guard lock(mu_);
  ClientEntry& e = clients_[client.id];
  if (!(e.flags & kTrackingOn) &&
      clients_on_.fetch_add(1, std::memory_order_relaxed) == 0 && store_ != nullptr) {
    // Before the client's first read: a write that lands after the read is reported.
    store_->set_report_changes(true);
  }
  e.flags = kTrackingOn | (options & kOptions);
  e.redirect = redirect;
  if (options & kTrackingBcast) {
    std::vector<std::string_view> add(prefixes.begin(), prefixes.end());
    if (add.empty()) add.push_back("");
    for (std::string_view p : add) {
      e.prefixes.emplace(p);
      prefixes_[std::string(p)].insert(client.id);
    }
  }
  client.tracking = e.flags | (client.tracking & kTrackingCaching);
}

void Tracking::Disable(ClientState& client) {
  client.tracking = 0;
  std::lock_guard lock(mu_);
  auto it = clients_.find(client.id);
  if (it == clients_.end()) return;
  for (const std::string& p : it->second.prefixes) {
    auto pit = prefixes_.find(p);
    if (pit == prefixes_.end()) continue;
    pit->second.erase(client.id);
    if (pit->second.empty()) prefixes_.erase(pit);
  }
  clients_.erase(it);
  if (clients_on_.fetch_sub(1, std::memory_order_relaxed) == 1) {
    // Every id left in the table belongs to a client that no longer tracks.
    ClearTableLocked();
    if (store_ != nullptr) store_->set_report_changes(false);
  }
}

TrackingInfo Tracking::Info(const ClientState& client) {
  TrackingInfo info;
  info.flags = client.tracking;
  std::lock_guard lock(mu_);
  auto it = clients_.find(client.id);
  if (it == clients_.end()) return info;
  info.flags |= it->second.flags & kTrackingBrokenRedirect;
  info.redirect = static_cast<int64_t>(it->second.redirect);
  info.prefixes.assign(it->second.prefixes.begin(), it->second.prefixes.end());
  return info;
}

TrackingStats Tracking::Stats() {
  std::lock_guard lock(mu_);
  return TrackingStats{clients_on_.load(std::memory_order_relaxed),
                       static_cast<int64_t>(table_.size()), items_,
                       static_cast<int64_t>(prefixes_.size())};
}

// ---- remembering reads -------------------------------------------------------------------

void Tracking::RunCommand(CommandContext& ctx) {
  ClientState& c = ctx.client;
  const CommandSpec& spec = *ctx.spec;
  // A read-only script (EVAL_RO, FCALL_RO...) is not a read itself: its keys are remembered
  // only if it runs a read command (RememberScriptKeys).
  bool remember = RemembersReads(c.tracking) && (spec.flags & kReadOnly) && !IsScriptCall(spec);
  std::vector<std::string_view> keys;
  if (remember) {
    CollectReadKeys(spec, ctx.args, &keys);
    std::lock_guard lock(mu_);
    if (command_depth > 0) SettlePendingLocked(&settled_);
    RememberLocked(c.id, keys, /*pin=*/true);
  }
  // A script's commands write on behalf of the client that ran the script (NOLOOP).
  uint64_t outer_writer = current_writer;
  if (!c.script) current_writer = c.id;
  ++command_depth;
  spec.handler(ctx);
  --command_depth;
  current_writer = outer_writer;
  if (remember) {
    std::vector<Message> evicted;
    {
      std::lock_guard lock(mu_);
      RememberLocked(c.id, keys, /*pin=*/false);
      EvictLocked(&evicted);
    }
    Send(ctx.server, evicted, 0);
  }
  // As in Redis, CLIENT CACHING covers the next command, or the whole next transaction; any
  // CLIENT subcommand in between keeps it.
  if (command_depth == 0 && (c.tracking & kTrackingCaching) && !c.multi.active &&
      !spec.name.starts_with("client|")) {
    c.tracking &= ~kTrackingCaching;
  }
}

void Tracking::RememberScriptKeys(ServerState& server, ClientState& caller, std::span<const std::string_view> keys) {
  if (!RemembersReads(caller.tracking) || keys.empty()) return;
  std::vector<Message> evicted;
  {
    std::lock_guard lock(mu_);
    SettlePendingLocked(&settled_);  // the script's own earlier writes come first
    RememberLocked(caller.id, keys, /*pin=*/false);
    EvictLocked(&evicted);
  }
  // Evictions may be sent to the caller itself; its own thread is the one running the script.
  Send(server, evicted, 0);
}

void Tracking::RememberLocked(uint64_t client, std::span<const std::string_view> keys, bool pin) {
  for (std::string_view key : keys) {
    auto it = table_.find(key);
    if (it == table_.end()) it = table_.emplace(std::string(key), Ids{}).first;
    auto [id, inserted] = it->second.try_emplace(client, 0);
    if (inserted) ++items_;
    if (pin) {
      ++id->second;
    } else if (id->second > 0) {
      --id->second;
    }
  }
}

// ---- invalidation ------------------------------------------------------------------------

thread_local std::vector<Tracking::Message> Tracking::settled_;
thread_local std::vector<Tracking::Change> Tracking::settled_changes_;

void Tracking::SettlePendingLocked(std::vector<Message>* out) {
  size_t first = settled_changes_.size();
  for (size_t i = 0; i < pending_keys.size(); ++i) {
    settled_changes_.push_back(Change{std::move(pending_keys[i]), pending_writers[i]});
  }
  pending_keys.clear();
  pending_writers.clear();
  if (clients_on_.load(std::memory_order_relaxed) == 0) {
    pending_flush = false;
    return;
  }
  if (std::exchange(pending_flush, false)) FlushLocked(out);
  for (size_t i = first; i < settled_changes_.size(); ++i) {
    InvalidateKeyLocked(settled_changes_[i], out);
  }
}

void Tracking::Invalidate(ServerState& server, uint64_t lsn) {
  if (pending_keys.empty() && !pending_flush && settled_.empty() && settled_changes_.empty()) {
    return;
  }
  // The changes were logged before their shard locks were released, so the log's last LSN
  // covers them all — including changes made by blocked clients served after the command,
  // whose LSNs the command itself did not observe.
  store::GroupCommit* wal = server.wal.load(std::memory_order_acquire);
  if (wal != nullptr) lsn = std::max(lsn, wal->last_lsn());
  std::vector<Message> messages = std::exchange(settled_, {});
  {
    std::lock_guard lock(mu_);
    SettlePendingLocked(&messages);
    // BCAST: one message per prefix for the whole command, settled early or not.
    if (!prefixes_.empty() && clients_on_.load(std::memory_order_relaxed) != 0) {
      BroadcastLocked(settled_changes_, &messages);
    }
  }
  settled_changes_.clear();
  Send(server, messages, lsn);
}

void Tracking::InvalidateKeyLocked(const Change& change, std::vector<Message>* out) {
  auto it = table_.find(change.key);
  if (it == table_.end()) return;
  Ids& ids = it->second;
  for (auto id = ids.begin(); id != ids.end();) {
    auto c = clients_.find(id->first);
    bool tracks = c != clients_.end() && (c->second.flags & kTrackingOn) &&
                  !(c->second.flags & kTrackingBcast);
    bool own = tracks && (c->second.flags & kTrackingNoLoop) && change.writer == id->first;
    if (tracks && !own) out->push_back(Message{id->first, c->second.redirect, false, {change.key}});
    if (id->second > 0) {
      ++id;  // a read of the key is running: keep tracking it (tracking.h)
      continue;
    }
    id = ids.erase(id);
    --items_;
  }
  if (ids.empty()) table_.erase(it);
}

void Tracking::BroadcastLocked(const std::vector<Change>& changes, std::vector<Message>* out) {
  for (const auto& [prefix, ids] : prefixes_) {
    // This prefix's keys, each once, with the first client that changed it (as Redis keeps).
    std::vector<const Change*> matched;
    for (const Change& change : changes) {
      if (!StartsWith(change.key, prefix)) continue;
      bool seen = std::any_of(matched.begin(), matched.end(),
                              [&](const Change* m) { return m->key == change.key; });
      if (!seen) matched.push_back(&change);
    }
    if (matched.empty()) continue;
    for (uint64_t id : ids) {
      const ClientEntry& e = clients_[id];
      Message m{id, e.redirect, false, {}};
      for (const Change* change : matched) {
        if ((e.flags & kTrackingNoLoop) && change->writer == id) continue;
        m.keys.push_back(change->key);
      }
      if (!m.keys.empty()) out->push_back(std::move(m));
    }
  }
}

void Tracking::FlushLocked(std::vector<Message>* out) {
  for (const auto& [id, e] : clients_) {
    if (e.flags & kTrackingOn) out->push_back(Message{id, e.redirect, true, {}});
  }
  ClearTableLocked();
}

void Tracking::ClearTableLocked() {
  table_.clear();
  items_ = 0;
}

void Tracking::SetMaxKeys(ServerState& server, int64_t max_keys) {
  max_keys_.store(max_keys, std::memory_order_relaxed);
  std::vector<Message> evicted;
  {
    std::lock_guard lock(mu_);
    EvictLocked(&evicted);
  }
  Send(server, evicted, 0);
}

void Tracking::EvictLocked(std::vector<Message>* out) {
  int64_t max_keys = max_keys_.load(std::memory_order_relaxed);
  if (max_keys == 0) return;  // no limit, as in Redis
  while (static_cast<int64_t>(table_.size()) > max_keys) {
    // A random key: a random bucket, then the next non-empty one.
    evict_seed_ = evict_seed_ * 6364136223846793005ull + 1442695040888963407ull;
    size_t buckets = table_.bucket_count();
    size_t b = static_cast<size_t>(evict_seed_ >> 33) % buckets;
    while (table_.bucket_size(b) == 0) b = (b + 1) % buckets;
    // An eviction is nobody's write: NOLOOP does not hide it, and pins do not keep it.
    Change change{table_.begin(b)->first, 0};
    auto it = table_.find(change.key);
    for (auto& [id, pins] : it->second) pins = 0;
    InvalidateKeyLocked(change, out);
  }
}

void Tracking::Send(ServerState& server, const std::vector<Message>& messages, uint64_t lsn) {
  std::vector<uint64_t> broken;
  for (const Message& m : messages) {
    if (m.redirect != 0) {
      bool found = server.clients.WithClient(m.redirect, [&](ClientState& r) {
        int protocol = r.protocol.load(std::memory_order_relaxed);
        std::string bytes;
        if (protocol >= 3) {
          bytes = ">2\r\n" + Bulk("invalidate");
        } else if (Subscribed(r)) {
          bytes = "*3\r\n" + Bulk("message") + Bulk("__redis__:invalidate");
        } else {
          return;  // RESP2 and not subscribed: nowhere to put it
        }
        bytes += KeyList(m.keys, m.flush, protocol);
        (void)r.mailbox.Post(bytes, MailLimit(server, r), lsn);
      });
      if (found) continue;
      broken.push_back(m.client);
      server.clients.WithClient(m.client, [&](ClientState& c) {
        if (c.protocol.load(std::memory_order_relaxed) < 3) return;
        std::string bytes = ">2\r\n" + Bulk("tracking-redir-broken") + ":" +
                            std::to_string(m.redirect) + "\r\n";
        (void)c.mailbox.Post(bytes, MailLimit(server, c), lsn);
      });
      continue;
    }
    server.clients.WithClient(m.client, [&](ClientState& c) {
      // A RESP2 client without REDIRECT cannot receive pushes: Redis sends it nothing.
      if (c.protocol.load(std::memory_order_relaxed) < 3) return;
      std::string bytes = ">2\r\n" + Bulk("invalidate") + KeyList(m.keys, m.flush, 3);
      (void)c.mailbox.Post(bytes, MailLimit(server, c), lsn);
    });
  }
  if (broken.empty()) return;
  std::lock_guard lock(mu_);
  for (uint64_t id : broken) {
    auto it = clients_.find(id);
    if (it != clients_.end()) it->second.flags |= kTrackingBrokenRedirect;
  }
}

}  // namespace cairn::server
