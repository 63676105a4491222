// src/exec/repl_primary.cc — see repl_primary.h.
#include "src/exec/repl_primary.h"

#include <algorithm>
#include <chrono>

#include "src/base/config.h"
#include "src/base/log.h"

namespace cairn::server {
namespace {

constexpr std::string_view kPing = "*1\r\n$4\r\nping\r\n";  // Redis sends it in lower case
constexpr std::string_view kGetAck = "*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The host part of "host:port" (CLIENT LIST's addr).
std::string HostOf(const std::string& addr) {
  size_t colon = addr.rfind(':');
  std::string host = colon == std::string::npos ? addr : addr.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return host;
}

// The address a replica is listed under: REPLCONF ip-address, or its connection's host.
std::string ReplicaIp(const ClientState& client) {
  return client.repl_ip_address.empty() ? HostOf(client.addr) : client.repl_ip_address;
}

int64_t ConfigInt(const ConfigStore& config, std::string_view name, int64_t fallback) {
  auto values = config.Get(name);
  int64_t v = 0;
  if (values.empty() || !ParseMemory(values[0].second, &v)) return fallback;
  return v;
}

}  // namespace

std::string_view ReplicaPhaseName(ReplicaPhase state) {
  switch (state) {
    case ReplicaPhase::kWaitBgsave: return "wait_bgsave";
    case ReplicaPhase::kSendBulk: return "send_bulk";
    case ReplicaPhase::kOnline: return "online";
  }
  return "online";
}

// The journal the store sees while replication is on: the WAL's records pass through it.
class ReplPrimary::Tap : public store::Journal {
 public:
  explicit Tap(ReplPrimary* primary) : p_(primary) {}
  uint64_t Append(std::string_view payload) override { return p_->AppendRecord(payload); }
  uint64_t last_lsn() const override {
    store::Journal* inner = p_->inner_.load();
    return inner != nullptr ? inner->last_lsn() : p_->own_lsn_.load();
  }
  Status SyncThrough(uint64_t lsn) override {
    store::Journal* inner = p_->inner_.load();
    return inner != nullptr ? inner->SyncThrough(lsn) : Status::Ok();
  }

 private:
  ReplPrimary* p_;
};

ReplPrimary::ReplPrimary(store::Store& store, std::string replid)
    : store_(store), replid_(std::move(replid)), feed_(store), backlog_(1 << 20, 0) {}

ReplPrimary::~ReplPrimary() {
  if (tapped_.load() && store_.journal() == tap_.get()) store_.set_journal(inner_.load());
}

void ReplPrimary::Configure(const ConfigStore& config, int64_t replica_hard_limit) {
  mailbox_limit_ = static_cast<size_t>(std::max<int64_t>(replica_hard_limit, 0));
  int64_t size = std::max<int64_t>(ConfigInt(config, "repl-backlog-size", 1 << 20), 1);
  ping_period_s_ = static_cast<int>(ConfigInt(config, "repl-ping-replica-period", 10));
  min_replicas_ = static_cast<int>(ConfigInt(config, "min-replicas-to-write", 0));
  min_replicas_max_lag_s_ = static_cast<int>(ConfigInt(config, "min-replicas-max-lag", 10));
  rdb_key_save_delay_us_ = ConfigInt(config, "rdb-key-save-delay", 0);
  if (backlog_size_.exchange(size) == size) return;
  std::lock_guard lock(mu_);
  backlog_.Resize(static_cast<uint64_t>(size));
}

// The WAL's journal (or none) goes behind the tap. inner_ is set before the tap is published;
// it changes again only in SwapJournal, with every shard held.
void ReplPrimary::InstallTapLocked() {
  backlog_active_ = true;
  if (tapped_.load()) return;
  tap_ = std::make_unique<Tap>(this);
  inner_ = store_.journal();
  // Without a log the tap numbers on from the store's floor, never below the segments left.
  if (inner_.load() == nullptr) own_lsn_ = std::max(own_lsn_.load(), store_.lsn_floor());
  store_.ReplaceJournal(tap_.get());
  tapped_ = true;
}

uint64_t ReplPrimary::AppendRecord(std::string_view payload) {
  std::lock_guard lock(mu_);
  store::Journal* inner = inner_.load(std::memory_order_relaxed);  // mu_ held
  uint64_t lsn = inner != nullptr ? inner->Append(payload) : own_lsn_.fetch_add(1) + 1;
  // While a full sync waits for its cut, every record names its database: the replica that
  // starts after the cut does not know the stream's.
  if (syncs_pending_ > 0) feed_.ForceSelect();
  scratch_.clear();
  if (feed_.Translate(payload, &scratch_)) StreamLocked(scratch_, lsn);
  if (syncs_pending_ > 0) cuts_.push_back({lsn, backlog_.offset()});
  return lsn;
}

void ReplPrimary::StreamLocked(std::string_view bytes, uint64_t lsn) {
  if (bytes.empty()) return;
  backlog_.Append(bytes);
  size_t limit = mailbox_limit_.load(std::memory_order_relaxed);
  for (Replica& r : replicas_) r.client->mailbox.Post(bytes, limit, lsn);
}

void ReplPrimary::AddReplicaLocked(ClientState& client, uint64_t from, uint64_t acked,
                                   ReplicaPhase state) {
  std::erase_if(replicas_, [&](const Replica& r) { return r.client == &client; });
  std::string tail;
  backlog_.CopyFrom(from, &tail);
  store::Journal* inner = inner_.load(std::memory_order_relaxed);  // mu_ held
  uint64_t lsn = inner != nullptr ? inner->last_lsn() : 0;
  if (!tail.empty()) client.mailbox.Post(tail, 0, lsn);
  std::string ip = ReplicaIp(client);
  replicas_.push_back(
      {&client, std::move(ip), client.repl_listening_port, acked, NowMs(), state});
  client.replica.store(true);
}

std::string ReplPrimary::replid() const {
  std::lock_guard lock(mu_);
  return replid_;
}

void ReplPrimary::Promote(std::string replid, std::string old_replid, uint64_t offset) {
  std::lock_guard lock(mu_);
  replid_ = std::move(replid);
  replid2_ = std::move(old_replid);
  second_offset_ = offset + 1;
  backlog_ = ReplBacklog(static_cast<uint64_t>(backlog_size_.load()), offset);
  ++history_;
  cuts_.clear();  // offsets of the old numbering
  // Their stream was numbered otherwise; they come back and continue where the new history
  // allows. A registered replica may be long gone (a dead link not yet noticed): its
  // numbering never holds back the one INFO and PSYNC now speak of.
  for (Replica& r : replicas_) {
    if (!r.client->kill_requested.exchange(true) && r.client->wake) r.client->wake();
  }
  feed_.ForceSelect();  // a continuing replica's stream may have another database selected
  InstallTapLocked();   // from here on every write is in the backlog
}

bool ReplPrimary::TryContinue(ClientState& client, std::string_view replid, uint64_t have) {
  std::lock_guard lock(mu_);
  bool ours = replid == replid_ || (!replid2_.empty() && replid == replid2_ && have < second_offset_);
  if (!tapped_.load() || !ours || !backlog_.Covers(have)) return false;
  AddReplicaLocked(client, have, have, ReplicaPhase::kOnline);
  return true;
}

uint64_t ReplPrimary::BeginFullSync(ClientState& client, uint64_t* history) {
  std::lock_guard lock(mu_);
  InstallTapLocked();
  ++syncs_pending_;
  waiting_.push_back({client.id, ReplicaIp(client), client.repl_listening_port});
  *history = history_;
  return backlog_.offset();
}

void ReplPrimary::SwapJournal(store::Journal* journal) {
  std::lock_guard lock(mu_);
  if (!tapped_.load()) {
    store_.ReplaceJournal(journal);
    return;
  }
  store::Journal* old = inner_.load();
  if (journal == nullptr && old != nullptr) own_lsn_ = old->last_lsn();
  inner_ = journal;
}

Result<uint64_t> ReplPrimary::FinishFullSync(ClientState& client, uint64_t begin,
                                             uint64_t history, uint64_t cut_lsn,
                                             bool streamed) {
  std::lock_guard lock(mu_);
  EndWaitLocked(client.id);
  if (history != history_) {
    if (--syncs_pending_ == 0) cuts_.clear();
    return Status(Code::kBusy, "the server was promoted while the RDB was built");
  }
  uint64_t at = begin;
  bool began_after_cut = false;  // a write after the cut was streamed before `begin`
  for (const Cut& cut : cuts_) {
    if (cut.lsn <= cut_lsn) {
      at = std::max(at, cut.offset);
    } else if (cut.offset <= begin) {
      began_after_cut = true;
    }
  }
  if (--syncs_pending_ == 0) cuts_.clear();
  if (began_after_cut) {  // neither the file nor the stream from `begin` would hold it
    return Status(Code::kBusy, "the full sync began after the RDB's cut");
  }
  // The replica starts in database 0, while the stream may have another selected (for an
  // earlier replica): the next record names its database. (When records came after the cut
  // they already do; a PING after it does not change the database.)
  feed_.ForceSelect();
  if (!backlog_.Covers(at)) {
    return Status(Code::kBusy,
                  "the replication backlog overflowed while the RDB was built (raise "
                  "repl-backlog-size)");
  }
  AddReplicaLocked(client, at, 0, streamed ? ReplicaPhase::kWaitBgsave : ReplicaPhase::kSendBulk);
  return at;
}

void ReplPrimary::FileSent(ClientState& client) {
  int64_t now = NowMs();
  std::string name;
  bool streamed = false;
  {
    std::lock_guard lock(mu_);  // every write takes it: the log lines wait until after
    auto it = std::find_if(replicas_.begin(), replicas_.end(),
                           [&](const Replica& r) { return r.client == &client; });
    if (it == replicas_.end() || it->state == ReplicaPhase::kOnline) return;
    name = it->ip + ":" + std::to_string(it->port);
    streamed = it->state == ReplicaPhase::kWaitBgsave;
    it->state = ReplicaPhase::kOnline;
    it->last_ack_ms = now;  // no false timeout: it acknowledges once it has loaded the file
  }
  if (streamed) {
    Log(LogLevel::kNotice,
        "Streamed RDB transfer with replica %s succeeded (socket). Waiting for REPLCONF ACK "
        "from slave to enable streaming",
        name.c_str());
  }
  Log(LogLevel::kNotice, "Synchronization with replica %s succeeded", name.c_str());
}

void ReplPrimary::AbortFullSync(uint64_t client_id) {
  std::lock_guard lock(mu_);
  EndWaitLocked(client_id);
  if (--syncs_pending_ == 0) cuts_.clear();
}

void ReplPrimary::EndWaitLocked(uint64_t client_id) {
  std::erase_if(waiting_, [&](const Waiting& w) { return w.client_id == client_id; });
}

void ReplPrimary::Detach(ClientState& client) {
  std::lock_guard lock(mu_);
  EndWaitLocked(client.id);  // its job, if still running, ends the full sync itself
  std::erase_if(replicas_, [&](const Replica& r) { return r.client == &client; });
  client.replica.store(false);
}

bool ReplPrimary::OnAck(ClientState& client, uint64_t offset) {
  int64_t now = NowMs();
  std::lock_guard lock(mu_);
  auto it = std::find_if(replicas_.begin(), replicas_.end(),
                         [&](const Replica& r) { return r.client == &client; });
  if (it == replicas_.end()) return false;
  it->ack_offset = std::max(it->ack_offset, offset);
  it->last_ack_ms = now;
  // A replica's first ack (right after its sync) also brings the first PING, so the stream
  // has a position a clean shutdown can record (RecordHistoryAtShutdown) even before a cron.
  PingIfDueLocked(now);
  return true;
}

void ReplPrimary::PingIfDue() {
  int64_t now = NowMs();
  std::lock_guard lock(mu_);
  PingIfDueLocked(now);
}

void ReplPrimary::PingIfDueLocked(int64_t now) {
  if (pings_paused_.load(std::memory_order_relaxed) || replicas_.empty() ||
      now - last_ping_ms_ < int64_t{ping_period_s_.load()} * 1000) {
    return;
  }
  last_ping_ms_ = now;
  StreamLocked(kPing, 0);
}

void ReplPrimary::RequestAcks() {
  if (pings_paused_.load(std::memory_order_relaxed)) return;  // FAILOVER: the offset stands
  std::lock_guard lock(mu_);
  if (!replicas_.empty()) StreamLocked(kGetAck, 0);
}

uint64_t ReplPrimary::offset() {
  std::lock_guard lock(mu_);
  return backlog_.offset();
}

int ReplPrimary::AckedCount(uint64_t offset) {
  std::lock_guard lock(mu_);
  return static_cast<int>(std::count_if(replicas_.begin(), replicas_.end(),
                                        [&](const Replica& r) {
                                          return r.state == ReplicaPhase::kOnline &&
                                                 r.ack_offset >= offset;
                                        }));
}

int ReplPrimary::GoodReplicasLocked(int64_t now_ms, int64_t max_lag_s) {
  return static_cast<int>(std::count_if(replicas_.begin(), replicas_.end(), [&](const Replica& r) {
    return r.state == ReplicaPhase::kOnline && (now_ms - r.last_ack_ms) / 1000 <= max_lag_s;
  }));
}

bool ReplPrimary::RefusesWrites() {
  int min = min_replicas_.load(std::memory_order_relaxed);
  if (min <= 0) return false;
  int64_t now = NowMs();
  std::lock_guard lock(mu_);
  return GoodReplicasLocked(now, min_replicas_max_lag_s_.load()) < min;
}

std::vector<ReplPrimary::ReplicaRow> ReplPrimary::Replicas() {
  int64_t now = NowMs();
  std::lock_guard lock(mu_);
  std::vector<ReplicaRow> rows;
  for (const Replica& r : replicas_) {
    int64_t lag_s = std::max<int64_t>(now - r.last_ack_ms, 0) / 1000;
    rows.push_back({r.ip, r.port, r.ack_offset, r.state == ReplicaPhase::kOnline ? lag_s : 0,
                    r.state});
  }
  for (const Waiting& w : waiting_) {
    rows.push_back({w.ip, w.port, 0, 0, ReplicaPhase::kWaitBgsave});
  }
  return rows;
}

ReplPrimary::BacklogInfo ReplPrimary::Backlog() {
  std::lock_guard lock(mu_);
  return {backlog_active_, backlog_.size(), backlog_.offset(),
          backlog_active_ ? backlog_.first_byte_offset() : 0, backlog_.histlen()};
}

void AppendPrimaryInfo(ReplPrimary& primary, std::string_view replid2, int64_t second_offset,
                       std::string_view failover_state, std::string* out) {
  auto field = [out](std::string_view name, const std::string& value) {
    out->append(name);
    out->push_back(':');
    out->append(value);
    out->append("\r\n");
  };
  auto n = [](auto v) { return std::to_string(v); };
  std::vector<ReplPrimary::ReplicaRow> replicas = primary.Replicas();
  ReplPrimary::BacklogInfo b = primary.Backlog();
  field("role", "master");
  field("connected_slaves", n(replicas.size()));
  for (size_t i = 0; i < replicas.size(); ++i) {
    const ReplPrimary::ReplicaRow& r = replicas[i];
    field("slave" + n(i), "ip=" + r.ip + ",port=" + n(r.port) + ",state=" +
                              std::string(ReplicaPhaseName(r.state)) + ",offset=" +
                              n(r.offset) + ",lag=" + n(r.lag_s));
  }
  field("master_failover_state", std::string(failover_state));
  field("master_replid", primary.replid());
  field("master_replid2", replid2.empty() ? std::string(40, '0') : std::string(replid2));
  field("master_repl_offset", n(b.offset));
  field("second_repl_offset", n(second_offset));
  field("repl_backlog_active", b.active ? "1" : "0");
  field("repl_backlog_size", n(b.size));
  field("repl_backlog_first_byte_offset", n(b.first_byte_offset));
  field("repl_backlog_histlen", n(b.histlen));
}

}  // namespace cairn::server
