// src/exec/replica_state.cc — see replica_state.h.
#include "src/exec/replica_state.h"

#include <charconv>
#include <climits>

#include "resp/number.h"
#include "src/base/log.h"
#include "src/exec/failover.h"
#include "src/exec/oom_score.h"
#include "src/exec/server_state.h"

namespace cairn::server {
namespace {

template <class T>
void Field(std::string* out, std::string_view name, const T& value) {
  out->append(name);
  out->push_back(':');
  if constexpr (std::is_convertible_v<T, std::string_view>) {
    out->append(std::string_view(value));
  } else {
    out->append(std::to_string(value));
  }
  out->append("\r\n");
}

int64_t SecondsSince(int64_t ms) { return ms == 0 ? -1 : (WallMs() - ms) / 1000; }

bool ConfigYes(const ServerState& server, std::string_view name) {
  return server.config.Value(name) == "yes";
}

}  // namespace

std::string_view LinkStateName(LinkState s) {
  switch (s) {
    case LinkState::kConnect: return "connect";
    case LinkState::kConnecting: return "connecting";
    case LinkState::kSync: return "sync";
    case LinkState::kConnected: return "connected";
  }
  return "connect";
}

bool StartReplicating(ServerState& server, const std::string& host, int port) {
  ReplicaState& r = server.replica;
  // A primary that streamed to replicas asks to continue its own history: a replica of it
  // promoted since (Sentinel, FAILOVER) holds that history as its replid2.
  uint64_t streamed = server.primary.offset();
  std::string own_replid = server.primary.replid();
  {
    std::lock_guard lock(r.mu);
    if (r.active.load() && r.host == host && r.port == port) return false;
    r.host = host;
    r.port = port;
    if (!r.active.load() && streamed > 0) {
      r.replid = own_replid;
      r.offset = static_cast<int64_t>(streamed);
      r.read_offset = static_cast<int64_t>(streamed);
    }
    if (r.replid.empty()) r.replid = server.run_id;  // PSYNC asks for our own history
    r.link = LinkState::kConnect;
    r.link_down_since_ms = 0;
    r.generation.fetch_add(1);
    r.active = true;
  }
  // A replica does not expire keys by the clock: its primary's DELs do (reads still miss
  // a key past its TTL, as in Redis).
  server.store.PauseExpiry(INT64_MAX);
  server.config.SetAcceptedValue("replicaof", host + " " + std::to_string(port));
  (void)ApplyOomScoreAdj(server);  // the replica's score (a failure is logged)
  Log(LogLevel::kNotice, "Connecting to MASTER %s:%d", host.c_str(), port);
  if (r.wake) r.wake();
  return true;
}

void StopReplicating(ServerState& server, std::string_view why) {
  ReplicaState& r = server.replica;
  std::string replid;
  int64_t offset = 0;
  {
    std::lock_guard apply(r.apply_mu);
    std::lock_guard lock(r.mu);
    if (!r.active.load()) return;
    offset = r.offset.load();  // nothing applies while apply_mu is held
    r.replid2 = r.replid.empty() ? server.run_id : r.replid;
    r.second_offset = offset + 1;
    r.replid = RandomHex(40);
    replid = r.replid;
    // Before writes are accepted (active is still set): the first one must reach the backlog.
    server.primary.Promote(replid, r.replid2, static_cast<uint64_t>(offset));
    // The recorded position stops describing the data with the first write as a primary,
    // and writes are not stamped: drop it before any is accepted (RecordHistoryAtShutdown
    // writes a fresh one at a clean shutdown).
    server.store.DeleteMeta(kReplicaMetaName);
    r.active = false;
    r.generation.fetch_add(1);
    r.link = LinkState::kConnect;
  }
  server.store.PauseExpiry(0);
  server.config.SetAcceptedValue("replicaof", "");
  (void)ApplyOomScoreAdj(server);  // the primary's score (a failure is logged)
  Log(LogLevel::kNotice, "MASTER MODE enabled (%.*s)", static_cast<int>(why.size()), why.data());
  if (r.wake) r.wake();
}

std::string ReplicaProgress(std::string_view replid, int64_t offset, int db) {
  std::string v;
  FormatReplicaProgress(replid, offset, db, &v);
  return v;
}

void FormatReplicaProgress(std::string_view replid, int64_t offset, int db, std::string* out) {
  char numbers[2 * resp::kMaxInt64Chars + 1];
  char* end = numbers + resp::FormatInt64(offset, numbers);
  *end++ = ' ';
  end += resp::FormatInt64(db, end);
  out->assign(replid);
  out->push_back(' ');
  out->append(numbers, static_cast<size_t>(end - numbers));
}

void RestoreReplicaProgress(ServerState& server) {
  auto meta = server.store.Meta();
  auto it = meta.find(kReplicaMetaName);
  if (it == meta.end()) return;
  std::string_view v = it->second;
  size_t space = v.find(' ');
  size_t space2 = v.rfind(' ');
  if (space == std::string_view::npos || space2 == space) return;
  int64_t offset = 0;
  int db = 0;
  std::string_view digits = v.substr(space + 1, space2 - space - 1);
  std::string_view db_digits = v.substr(space2 + 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), offset);
  if (ec != std::errc() || end != digits.data() + digits.size()) return;
  auto [end2, ec2] = std::from_chars(db_digits.data(), db_digits.data() + db_digits.size(), db);
  if (ec2 != std::errc() || end2 != db_digits.data() + db_digits.size()) return;
  std::lock_guard lock(server.replica.mu);
  server.replica.replid = std::string(v.substr(0, space));
  server.replica.offset = offset;
  server.replica.read_offset = offset;
  server.replica.stream_db = db;
}

void ContinueRecordedHistory(ServerState& server) {
  ReplicaState& r = server.replica;
  std::string replid;
  int64_t offset = 0;
  {
    std::lock_guard lock(r.mu);
    if (r.active.load() || r.replid.empty()) return;
    replid = r.replid;
    offset = r.offset.load();
    r.replid2 = replid;
    r.second_offset = offset + 1;
    r.replid = server.run_id;
  }
  server.primary.Promote(server.run_id, replid, static_cast<uint64_t>(offset));
  server.store.DeleteMeta(kReplicaMetaName);  // before the first write, as at a promotion
  Log(LogLevel::kNotice, "Continuing the replication history %s at offset %lld",
      replid.c_str(), static_cast<long long>(offset));
}

void RecordHistoryAtShutdown(ServerState& server) {
  if (server.replica.active.load()) return;  // a replica's position is stamped on each write
  uint64_t offset = server.primary.offset();
  if (offset == 0) return;  // nothing was ever streamed: no replica can continue
  server.store.SetMeta(kReplicaMetaName, ReplicaProgress(server.primary.replid(),
                                                         static_cast<int64_t>(offset), 0));
}

std::string CurrentReplid(const ServerState& server) {
  std::lock_guard lock(server.replica.mu);
  return server.replica.replid.empty() ? server.run_id : server.replica.replid;
}

void AppendReplicaInfo(const ServerState& server, std::string* out) {
  const ReplicaState& r = server.replica;
  LinkState link = r.link.load();
  bool up = link == LinkState::kConnected;
  bool syncing = link == LinkState::kSync;
  Field(out, "role", "slave");
  {
    std::lock_guard lock(r.mu);
    Field(out, "master_host", r.host);
    Field(out, "master_port", r.port);
  }
  Field(out, "master_link_status", up ? "up" : "down");
  Field(out, "master_last_io_seconds_ago", up ? SecondsSince(r.last_io_ms.load()) : -1);
  Field(out, "master_sync_in_progress", syncing ? 1 : 0);
  Field(out, "slave_read_repl_offset", r.read_offset.load());
  Field(out, "slave_repl_offset", r.offset.load());
  if (syncing) {
    int64_t total = r.sync_total_bytes.load(), read = r.sync_read_bytes.load();
    Field(out, "master_sync_total_bytes", total);
    Field(out, "master_sync_read_bytes", read);
    Field(out, "master_sync_left_bytes", total < 0 ? -1 : total - read);
    Field(out, "master_sync_last_io_seconds_ago", SecondsSince(r.last_io_ms.load()));
  }
  if (!up) Field(out, "master_link_down_since_seconds", SecondsSince(r.link_down_since_ms));
  auto priority = server.config.Get("replica-priority");
  Field(out, "slave_priority", priority.empty() ? "100" : priority[0].second);
  Field(out, "slave_read_only", ConfigYes(server, "replica-read-only") ? 1 : 0);
  Field(out, "replica_announced", ConfigYes(server, "replica-announced") ? 1 : 0);
  Field(out, "connected_slaves", 0);
  Field(out, "master_failover_state", FailoverStageName(server.failover.stage.load()));
}

void AppendReplidInfo(const ServerState& server, std::string* out) {
  const ReplicaState& r = server.replica;
  std::lock_guard lock(r.mu);
  Field(out, "master_replid", r.replid.empty() ? server.run_id : r.replid);
  Field(out, "master_replid2", r.replid2);
  Field(out, "master_repl_offset", r.offset.load());
  Field(out, "second_repl_offset", r.second_offset);
}

}  // namespace cairn::server
