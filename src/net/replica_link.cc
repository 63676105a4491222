// src/net/replica_link.cc — see replica_link.h.
#include "src/net/replica_link.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <functional>
#include <optional>
#include <vector>

#include "resp/output_buffer.h"
#include "resp/parser.h"
#include "resp/writer.h"
#include "src/base/log.h"
#include "src/base/thread_placement.h"
#include "src/exec/dispatch.h"
#include "src/exec/failover.h"
#include "src/exec/functions.h"
#include "src/exec/notify.h"
#include "src/exec/rdb_files.h"
#include "src/net/link_socket.h"
#include "src/net/tls_context.h"
#include "src/scripting/script_engine.h"
#include "store/rdb/rdb_file_reader.h"

namespace cairn::server {
namespace {

constexpr size_t kMaxLine = 64 * 1024;  // a handshake reply line longer than this is garbage
constexpr int64_t kAckIntervalMs = 1000;
constexpr size_t kEofMarkLen = 40;
// What RESIZEDB may reserve of an `$EOF:`-framed file, whose length is unknown.
constexpr uint64_t kEofHintKeys = uint64_t{1} << 23;

Status LinkError(std::string message) { return Status(Code::kIoError, std::move(message)); }

std::string EncodeCommand(std::initializer_list<std::string_view> args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (std::string_view a : args) {
    out += "$" + std::to_string(a.size()) + "\r\n";
    out.append(a);
    out += "\r\n";
  }
  return out;
}

bool ParseInt(std::string_view text, int64_t* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

// One connection to the primary, from connect to whatever ends it.
class Session {
 public:
  Session(ServerState& state, const TlsContext* tls, ThreadStats& stats,
          const std::atomic<bool>& stop, uint64_t generation)
      : state_(state),
        r_(state.replica),
        tls_(tls),
        stats_(stats),
        stop_(stop),
        generation_(generation),
        socket_("MASTER", [this] { return Cancelled(); }) {
    std::lock_guard lock(r_.mu);
    host_ = r_.host;
    port_ = r_.port;
    replid_ = r_.replid;
    // Set before the full sync too: its FLUSHALL must apply even with replica-read-only.
    master_.is_master = true;
    tls_replication_ = state.config.Read([](const Config& c) { return c.tls.replication; });
    auto timeout = state.config.Get("repl-timeout");
    int64_t s = 60;
    if (!timeout.empty() && ParseInt(timeout[0].second, &s)) timeout_ms_ = s * 1000;
  }
  ~Session() {
    if (registered_) state_.clients.Remove(&master_);
  }

  bool cancelled() const { return cancelled_ || socket_.was_cancelled(); }

  Status Run() {
    r_.link = LinkState::kConnecting;
    if (Status st = Connect(); !st.ok()) return st;
    if (Status st = Handshake(); !st.ok()) return st;
    std::string reply;
    if (Status st = Psync(&reply); !st.ok()) return st;
    if (reply.starts_with("+FULLRESYNC")) {
      if (Status st = FullSync(reply); !st.ok()) return st;
    } else if (Status st = Continue(reply); !st.ok()) {
      return st;
    }
    return Stream();
  }

 private:
  bool Cancelled() const {
    return stop_.load() || r_.generation.load() != generation_ || !r_.active.load() ||
           master_.kill_requested.load();
  }

  Status Connect() {
    if (Status st = socket_.Connect(host_, port_, Deadline()); !st.ok()) return st;
    if (!tls_replication_) return Status::Ok();
    return socket_.StartTls(tls_ != nullptr ? tls_->NewClientSession() : nullptr, Deadline());
  }

  Status Send(std::string_view bytes) {
    Status st = socket_.Send(bytes, timeout_ms_);
    if (st.ok()) {
      stats_.writes_processed.Add();
      stats_.net_output_bytes.Add(bytes.size());
      stats_.net_repl_output_bytes.Add(bytes.size());
    }
    return st;
  }

  // Reads what the socket has (waiting until deadline_ms for something) onto in_.
  Status Fill(int64_t deadline_ms) {
    size_t before = in_.size();
    Status st = socket_.Receive(&in_, deadline_ms);
    if (st.ok()) r_.last_io_ms = WallMs();
    if (in_.size() > before) {
      stats_.reads_processed.Add();
      stats_.net_input_bytes.Add(in_.size() - before);
      stats_.net_repl_input_bytes.Add(in_.size() - before);
    }
    return st;
  }

  int64_t Deadline() const { return WallMs() + timeout_ms_; }

  // One reply line without its CRLF. Empty lines (the primary's keep-alive newlines while it
  // prepares the RDB) are skipped.
  Status ReadLine(std::string* line) {
    for (;;) {
      size_t nl = in_.find('\n', pos_);
      if (nl != std::string::npos) {
        size_t end = nl > pos_ && in_[nl - 1] == '\r' ? nl - 1 : nl;
        line->assign(in_, pos_, end - pos_);
        pos_ = nl + 1;
        if (line->empty()) continue;
        return Status::Ok();
      }
      if (in_.size() - pos_ > kMaxLine) return LinkError("the MASTER sent an overlong line");
      Compact();
      if (Status st = Fill(Deadline()); !st.ok()) return st;
    }
  }

  void Compact() {
    in_.erase(0, pos_);
    pos_ = 0;
  }

  Status Call(std::initializer_list<std::string_view> args, std::string* reply) {
    if (Status st = Send(EncodeCommand(args)); !st.ok()) return st;
    return ReadLine(reply);
  }

  Status Handshake() {
    std::string reply;
    if (Status st = Call({"PING"}, &reply); !st.ok()) return st;
    // A primary that wants AUTH answers PING with an error; AUTH comes next anyway.
    if (reply[0] == '-' && !reply.starts_with("-NOAUTH") && !reply.starts_with("-NOPERM") &&
        !reply.starts_with("-ERR operation not permitted")) {
      return LinkError("error reply to PING from MASTER: '" + reply + "'");
    }
    std::string masteruser = ConfigValue("masteruser"), masterauth = ConfigValue("masterauth");
    if (!masterauth.empty()) {
      Status st = masteruser.empty() ? Call({"AUTH", masterauth}, &reply)
                                     : Call({"AUTH", masteruser, masterauth}, &reply);
      if (!st.ok()) return st;
      if (reply != "+OK") return LinkError("Unable to AUTH to MASTER: " + reply);
    }
    std::string port = ConfigValue("replica-announce-port");
    if (port.empty() || port == "0") port = std::to_string(state_.tcp_port.load());
    if (Status st = Call({"REPLCONF", "listening-port", port}, &reply); !st.ok()) return st;
    if (reply[0] == '-') {
      Log(LogLevel::kNotice, "(Non critical) MASTER does not understand REPLCONF "
          "listening-port: %s", reply.c_str());
    }
    if (Status st = Call({"REPLCONF", "capa", "eof", "capa", "psync2"}, &reply); !st.ok()) {
      return st;
    }
    return Status::Ok();
  }

  std::string ConfigValue(std::string_view name) { return state_.config.Value(name); }

  Status Psync(std::string* reply) {
    std::string offset = std::to_string(r_.offset.load() + 1);
    Log(LogLevel::kNotice, "Trying a partial resynchronization (request %s:%s).",
        replid_.c_str(), offset.c_str());
    // FAILOVER (failover.h): this PSYNC asks the target to take over from us.
    bool failover = r_.failover_psync.load();
    Status st = failover ? Call({"PSYNC", replid_, offset, "FAILOVER"}, reply)
                         : Call({"PSYNC", replid_, offset}, reply);
    bool accepted =
        st.ok() && (reply->starts_with("+FULLRESYNC") || reply->starts_with("+CONTINUE"));
    if (failover) FinishFailover(state_, accepted);
    if (!st.ok()) return st;
    if (accepted) return Status::Ok();
    return LinkError("unexpected reply to PSYNC from MASTER: '" + *reply + "'");
  }

  Status Continue(const std::string& reply) {
    std::string_view id = std::string_view(reply).substr(std::string_view("+CONTINUE").size());
    while (!id.empty() && id.front() == ' ') id.remove_prefix(1);
    if (!id.empty() && id != replid_) {
      std::lock_guard lock(r_.mu);
      r_.replid2 = replid_;
      r_.second_offset = r_.offset.load() + 1;
      r_.replid = std::string(id);
      replid_ = r_.replid;
    }
    Log(LogLevel::kNotice, "Successful partial resynchronization with master.");
    return Status::Ok();
  }

  // +FULLRESYNC <replid> <offset>, then the RDB.
  Status FullSync(const std::string& reply) {
    std::vector<std::string> words;
    for (size_t i = 0; i <= reply.size();) {
      size_t sp = std::min(reply.find(' ', i), reply.size());
      words.push_back(reply.substr(i, sp - i));
      i = sp + 1;
    }
    int64_t offset = 0;
    if (words.size() != 3 || words[1].size() != 40 || !ParseInt(words[2], &offset) || offset < 0) {
      return LinkError("bad +FULLRESYNC reply from MASTER: '" + reply + "'");
    }
    Log(LogLevel::kNotice, "Full resync from master: %s:%lld", words[1].c_str(),
        static_cast<long long>(offset));
    r_.link = LinkState::kSync;
    Framing framing;
    if (Status st = ReadRdbHeader(&framing); !st.ok()) return st;
    Status st = LoadsFromSocket() ? LoadFromSocket(framing, words[1], offset)
                                  : LoadThroughFile(framing, words[1], offset);
    if (!st.ok()) return st;
    // A disk-less primary puts the replica online when it acknowledges the file.
    if (!framing.mark.empty()) return SendAck();
    return Status::Ok();
  }

  // How the primary frames the file: `$<length>`, or `$EOF:<mark>` and the file then the mark.
  struct Framing {
    std::string mark;  // empty: length-framed
    int64_t length = -1;
  };

  Status ReadRdbHeader(Framing* framing) {
    std::string header;
    if (Status st = ReadLine(&header); !st.ok()) return st;
    if (header[0] == '-') return LinkError("MASTER aborted replication: " + header);
    if (header.starts_with("$EOF:") && header.size() == 5 + kEofMarkLen) {
      framing->mark = header.substr(5);
      r_.sync_total_bytes = -1;
    } else if (header[0] != '$' ||
               !ParseInt(std::string_view(header).substr(1), &framing->length) ||
               framing->length < 0) {
      return LinkError("bad RDB header from MASTER (protocol error): '" +
                       header.substr(0, 64) + "'");
    } else {
      r_.sync_total_bytes = framing->length;
    }
    r_.sync_read_bytes = 0;
    return Status::Ok();
  }

  // repl-diskless-load: on-empty-db (and swapdb, which keeps old data by going through a
  // file when there is any) loads the file as it arrives when this replica holds no key and
  // no function library, so a failure halfway has nothing of the old data to lose.
  bool LoadsFromSocket() {
    std::string mode = state_.config.Value("repl-diskless-load");
    if (mode != "on-empty-db" && mode != "swapdb") return false;
    for (int db = 0; db < state_.store.databases(); ++db) {
      if (state_.store.Stats(db).keys != 0) return false;
    }
    for (const auto& [name, code] : state_.store.Meta()) {
      if (name.starts_with(kFunctionMetaPrefix)) return false;
    }
    return true;
  }

  // The file into `dir`, checked whole (structure and CRC), then loaded: a damaged or
  // truncated file leaves the data as it was.
  Status LoadThroughFile(const Framing& framing, const std::string& replid, int64_t offset) {
    std::string path = state_.config.Read([](const Config& c) { return c.dir; }) +
                       "/temp-replica-" + std::to_string(::getpid()) + ".rdb";
    Status st = ReceiveRdb(path, framing);
    if (st.ok()) st = CheckRdb(path);
    int fd = st.ok() ? ::open(path.c_str(), O_RDONLY | O_CLOEXEC) : -1;
    if (st.ok() && fd < 0) st = Status::IoError(errno, "opening " + path);
    if (st.ok()) {
      Log(LogLevel::kNotice, "MASTER <-> REPLICA sync: Flushing old data");
      rdb::FdSource source(fd);  // closes it
      st = LoadRdb(source, replid, offset);
      if (!st.ok()) {
        st = Status(Code::kCorruption,
                    "loading the RDB from MASTER failed: " + std::string(st.message()));
      }
    }
    ::unlink(path.c_str());
    return st;
  }

  // The file loaded as it arrives, while the primary may still be writing it. A failure
  // halfway (damage, a primary that stalls or closes) empties the keyspace again: it was
  // empty (LoadsFromSocket).
  Status LoadFromSocket(const Framing& framing, const std::string& replid, int64_t offset) {
    LogReceiving(framing, "parser");
    Log(LogLevel::kNotice, "MASTER <-> REPLICA sync: Flushing old data");
    LinkSource source(*this, framing);
    Status st = LoadRdb(source, replid, offset, [&] { return source.Finish(); },
                        [this] { DropPartialLoad(); });
    if (st.ok()) return st;
    if (source.link_failed()) return source.link_error();  // says more than the reader's view
    return Status(Code::kCorruption, "the RDB received from MASTER is damaged (" +
                                         std::string(st.message()) +
                                         "); what was loaded of it is dropped");
  }

  // A load from the socket failed halfway: the keyspace was empty, and is again. Done while
  // the server still answers -LOADING (so through the store, not as commands).
  void DropPartialLoad() {
    state_.store.FlushAll();
    for (const auto& [name, code] : state_.store.Meta()) {
      if (name.starts_with(kFunctionMetaPrefix)) state_.store.DeleteMeta(name);
    }
  }

  // The file as it arrives on the link, for rdb::LoadRdb: `$<length>` bytes, or what comes
  // before the end mark. A primary sends nothing after the mark until this replica
  // acknowledges the file, so the mark is found at the end of what was received; until
  // then the last 40 bytes received are held back, as they may be it.
  class LinkSource final : public rdb::RdbSource {
   public:
    LinkSource(Session& session, const Framing& framing)
        : s_(session), mark_(framing.mark), left_(framing.length) {}

    Result<size_t> Read(size_t max, std::string* out) override {
      for (;;) {
        size_t n = std::min(Available(), max);
        if (n > 0) {
          out->append(s_.in_, s_.pos_, n);
          s_.pos_ += n;
          if (mark_.empty()) left_ -= static_cast<int64_t>(n);
          s_.r_.sync_read_bytes.fetch_add(static_cast<int64_t>(n));
          return n;
        }
        if (Ended()) return size_t{0};
        if (Status st = Receive(); !st.ok()) return st;
      }
    }

    // After the load: the file ended where the framing says, the mark (if any) consumed.
    Status Finish() {
      if (mark_.empty()) {
        if (left_ == 0) return Status::Ok();
        return LinkError("the RDB from MASTER has bytes after its end");
      }
      while (Held() < kEofMarkLen) {
        if (Status st = Receive(); !st.ok()) return st;
      }
      if (std::string_view(s_.in_).substr(s_.pos_) != mark_) {
        return LinkError("the RDB from MASTER does not end where its mark says");
      }
      s_.pos_ = s_.in_.size();
      s_.Compact();
      return Status::Ok();
    }

    // A length-framed file's bytes not yet given (RESIZEDB hints are bounded by it).
    std::optional<uint64_t> BytesLeft() const override {
      if (!mark_.empty()) return std::nullopt;
      return static_cast<uint64_t>(left_);
    }
    // An `$EOF:` file's length is unknown; its primary's RESIZEDB still sizes the tables,
    // up to kEofHintKeys (at most ~128 MB of buckets for a primary that overstates).
    uint64_t HintKeysWithoutLength() const override { return kEofHintKeys; }
    // Whether the link failed (closed, stalled past repl-timeout), rather than the file;
    // how.
    bool link_failed() const { return !link_error_.ok(); }
    const Status& link_error() const { return link_error_; }

   private:
    Status Receive() {
      s_.Compact();
      Status st = s_.Fill(s_.Deadline());
      if (st.ok()) return st;
      link_error_ = s_.Truncated(st);
      return link_error_;
    }
    size_t Held() const { return s_.in_.size() - s_.pos_; }
    bool MarkReceived() const {
      return Held() >= kEofMarkLen &&
             std::string_view(s_.in_).substr(s_.in_.size() - kEofMarkLen) == mark_;
    }
    size_t Available() const {
      if (mark_.empty()) return std::min(Held(), static_cast<size_t>(left_));
      return Held() > kEofMarkLen ? Held() - kEofMarkLen : 0;
    }
    bool Ended() const { return mark_.empty() ? left_ == 0 : MarkReceived(); }

    Session& s_;
    const std::string mark_;
    int64_t left_;  // length-framed: bytes of the file not yet given
    Status link_error_;
  };

  // Redis's words for where the file goes: "disk" or "parser".
  static void LogReceiving(const Framing& framing, const char* to) {
    if (framing.mark.empty()) {
      Log(LogLevel::kNotice, "MASTER <-> REPLICA sync: receiving %lld bytes from master to %s",
          static_cast<long long>(framing.length), to);
    } else {
      Log(LogLevel::kNotice,
          "MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to %s", to);
    }
  }

  // Reads the file's bytes into path.
  Status ReceiveRdb(const std::string& path, const Framing& framing) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return Status::IoError(errno, "opening " + path);
    LogReceiving(framing, "disk");
    Status st = framing.mark.empty() ? CopyLength(fd, framing.length)
                                     : CopyUntilMark(fd, framing.mark);
    if (::close(fd) != 0 && st.ok()) st = Status::IoError(errno, "closing " + path);
    return st;
  }

  Status WriteFile(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::write(fd, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Status::IoError(errno, "writing the RDB received from MASTER");
      bytes.remove_prefix(static_cast<size_t>(n));
      r_.sync_read_bytes.fetch_add(n);
    }
    return Status::Ok();
  }

  Status CopyLength(int fd, int64_t length) {
    uint64_t left = static_cast<uint64_t>(length);
    for (;;) {
      size_t take = static_cast<size_t>(std::min<uint64_t>(left, in_.size() - pos_));
      if (Status st = WriteFile(fd, std::string_view(in_).substr(pos_, take)); !st.ok()) return st;
      pos_ += take;
      left -= take;
      Compact();
      if (left == 0) return Status::Ok();
      if (Status st = Fill(Deadline()); !st.ok()) return Truncated(st);
    }
  }

  // Disk-less framing: the file ends with the 40-byte mark, and the primary sends nothing
  // after it until this replica acknowledges the file.
  Status CopyUntilMark(int fd, const std::string& mark) {
    for (;;) {
      size_t have = in_.size() - pos_;
      if (have >= kEofMarkLen && std::string_view(in_).substr(in_.size() - kEofMarkLen) == mark) {
        Status st = WriteFile(fd, std::string_view(in_).substr(pos_, have - kEofMarkLen));
        pos_ = in_.size();
        Compact();
        return st;
      }
      if (have > kEofMarkLen) {  // keep a possible mark's worth back
        size_t take = have - kEofMarkLen;
        if (Status st = WriteFile(fd, std::string_view(in_).substr(pos_, take)); !st.ok()) {
          return st;
        }
        pos_ += take;
        Compact();
      }
      if (Status st = Fill(Deadline()); !st.ok()) return Truncated(st);
    }
  }

  Status Truncated(const Status& st) const {
    if (cancelled()) return LinkError(std::string(st.message()));
    return LinkError("the RDB from MASTER is incomplete: " + std::string(st.message()));
  }

  Status CheckRdb(const std::string& path) {
    Status st = CheckRdbFile(path);
    if (st.ok() || st.code() == Code::kIoError) return st;
    return Status(Code::kCorruption, "the RDB received from MASTER is damaged (" +
                                         std::string(st.message()) + "); the current data is kept");
  }

  // The file from source replaces the data: logged, so this replica's WAL holds it. The old
  // progress record goes first, so a crash mid-load leads to a full sync, never to a
  // partial one on top of half a keyspace. (The caller logged "Flushing old data".)
  // end_of_file (may be empty) checks the framing after the file's last byte, before
  // anything is published; on any failure undo (may be empty) runs while the server still
  // answers -LOADING.
  Status LoadRdb(rdb::RdbSource& source, const std::string& replid, int64_t offset,
                 const std::function<Status()>& end_of_file = nullptr,
                 const std::function<void()>& undo = nullptr) {
    state_.store.DeleteMeta(kReplicaMetaName);
    // The primary's function libraries replace ours too, as in Redis.
    std::string_view flush[] = {"FLUSHALL"};
    std::string_view flush_functions[] = {"FUNCTION", "FLUSH"};
    master_.db = 0;
    RunCommand(flush);
    RunCommand(flush_functions);
    Log(LogLevel::kNotice, "MASTER <-> REPLICA sync: Loading DB in memory");
    state_.loading = true;
    Result<rdb::RdbLoadInfo> loaded = ImportRdb(state_, source);
    if (loaded.ok() && end_of_file) {
      if (Status st = end_of_file(); !st.ok()) loaded = st;
    }
    if (loaded.ok()) {
      scripting::RestoreFunctionLibraries(state_);
    } else if (undo) {
      undo();
    }
    state_.loading = false;
    if (!loaded.ok()) return loaded.status();
    {
      std::lock_guard lock(r_.mu);
      if (!r_.replid.empty() && r_.replid != replid) r_.replid2 = std::string(kNoReplid);
      r_.replid = replid;
      r_.second_offset = -1;
    }
    replid_ = replid;
    r_.offset = offset;
    r_.read_offset = offset;
    r_.stream_db = 0;
    state_.store.SetMeta(kReplicaMetaName, ReplicaProgress(replid, offset, 0));
    store::Store::TakeObservedLsn();
    Log(LogLevel::kNotice, "MASTER <-> REPLICA sync: Finished with success (%llu keys)",
        static_cast<unsigned long long>(loaded->loaded));
    return Status::Ok();
  }

  Status SendAck() {
    last_ack_ms_ = WallMs();
    stats_.SampleThreadCpu();  // about once a second: INFO's used_cpu_*_main_thread
    return Send(EncodeCommand({"REPLCONF", "ACK", std::to_string(r_.offset.load())}));
  }

  void RunCommand(std::span<const std::string_view> args) {
    resp::Writer writer(&out_, 2);
    uint64_t errors_before = writer.errors_written();
    Execute(state_, master_, stats_, writer, args);
    if (writer.errors_written() != errors_before) [[unlikely]] {
      // The primary ran this command without an error, so the data sets differ: as Redis,
      // say so loudly and count it (INFO unexpected_error_replies).
      stats_.unexpected_error_replies.Add();
      std::string error = FirstErrorLine(out_.Drain());
      std::string name(args[0].substr(0, 64));
      for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      Log(LogLevel::kWarning,
          "== CRITICAL == This replica is sending an error to its master: '%s' after "
          "processing the command '%s'",
          error.c_str(), name.c_str());
    }
    out_.Clear();
    if (BlockingRegistry::HasReady()) state_.blocking.ServeReady(state_, stats_);
    uint64_t observed = store::Store::TakeObservedLsn();
    PublishKeyspaceEvents(state_, observed);
    state_.tracking.Invalidate(state_, observed);
  }

  // The text of the first error in a reply's bytes (an EXEC's array may hold it), at most
  // 128 bytes of it, for the log.
  static std::string FirstErrorLine(std::string_view reply) {
    for (size_t at = 0; at < reply.size();) {
      size_t end = reply.find("\r\n", at);
      if (end == std::string_view::npos) end = reply.size();
      if (reply[at] == '-') {
        return std::string(reply.substr(at + 1, std::min<size_t>(end - at - 1, 128)));
      }
      at = end + 2;
    }
    return "";
  }

  static bool IsGetAck(std::span<const std::string_view> args) {
    return args.size() >= 2 && EqualsNoCase(args[0], "replconf") && EqualsNoCase(args[1], "getack");
  }

  static bool EqualsNoCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
  }

  Status Stream() {
    master_.addr = host_ + ":" + std::to_string(port_);
    master_.laddr = master_.addr;
    master_.db = r_.stream_db.load();
    master_.created_ms = WallMs();
    // CLIENT KILL TYPE master: nothing more is read from this connection (the link also
    // looks at kill_requested every 100 ms). The socket stays open until the session ends.
    master_.wake = [fd = socket_.fd()] { ::shutdown(fd, SHUT_RDWR); };
    state_.clients.Add(&master_);
    registered_ = true;
    r_.link = LinkState::kConnected;
    r_.last_io_ms = WallMs();
    Log(LogLevel::kNotice, "Replication link to MASTER %s is up: applying its stream",
        master_.addr.c_str());
    if (Status st = SendAck(); !st.ok()) return st;
    store::Store::ReplayScope master_view;  // the primary's DELs expire keys, not our clock
    resp::Parser parser;
    for (;;) {
      if (WallMs() - last_ack_ms_ >= kAckIntervalMs) {
        if (Status st = SendAck(); !st.ok()) return st;
      }
      if (Status st = ApplyBuffered(parser); !st.ok()) return st;
      Compact();
      int64_t deadline = r_.last_io_ms.load() + timeout_ms_;
      int64_t ack_due = last_ack_ms_ + kAckIntervalMs;
      Status st = Fill(std::min(deadline, ack_due));
      // Waking for the ACK is not a timeout; silence for repl-timeout is.
      if (!st.ok() && (!socket_.timed_out() || WallMs() >= deadline)) return st;
    }
  }

  // Applies every whole command read so far, and returns when the next needs more input.
  Status ApplyBuffered(resp::Parser& parser) {
    for (;;) {
      resp::ParseStatus ps = parser.Parse(std::string_view(in_).substr(pos_));
      size_t used = parser.consumed();
      if (ps == resp::ParseStatus::kError) {
        return LinkError("protocol error from MASTER: " + std::string(parser.error()));
      }
      if (ps == resp::ParseStatus::kNeedMore) {
        pos_ += used;
        Advance(used);
        return Status::Ok();
      }
      std::span<const std::string_view> args = parser.args();
      if (IsGetAck(args)) {
        if (Status st = SendAck(); !st.ok()) return st;
      } else {
        if (Status st = ApplyOne(args, used); !st.ok()) return st;
      }
      pos_ += used;
      Advance(used);
      if (WallMs() - last_ack_ms_ >= kAckIntervalMs) {  // a long run of commands still acks
        if (Status st = SendAck(); !st.ok()) return st;
      }
    }
  }

  // One command of the stream, `used` bytes of it. Under apply_mu, held for this command
  // only, so that once REPLICAOF NO ONE has returned nothing more applies.
  Status ApplyOne(std::span<const std::string_view> args, size_t used) {
    std::lock_guard apply(r_.apply_mu);
    if (Cancelled()) {
      cancelled_ = true;
      return LinkError("the link was asked to stop");
    }
    // The offset after this command rides in its record: a restart resumes after it.
    int64_t next = r_.offset.load() + static_cast<int64_t>(used);
    FormatReplicaProgress(replid_, next, master_.db.load(), &progress_);
    state_.store.SetMetaWithNextRecord(kReplicaMetaName, progress_);
    RunCommand(args);
    r_.stream_db = master_.db.load();
    return Status::Ok();
  }

  void Advance(size_t bytes) {
    r_.offset.fetch_add(static_cast<int64_t>(bytes));
    r_.read_offset = r_.offset.load();
  }

  ServerState& state_;
  ReplicaState& r_;
  const TlsContext* tls_;
  ThreadStats& stats_;
  const std::atomic<bool>& stop_;
  uint64_t generation_;
  std::string host_;
  int port_ = 0;
  std::string replid_;
  int64_t timeout_ms_ = 60000;
  bool tls_replication_ = false;
  std::string in_;  // bytes received, from pos_ on not yet used
  size_t pos_ = 0;
  int64_t last_ack_ms_ = 0;
  ClientState master_;
  bool registered_ = false;
  bool cancelled_ = false;  // the link was asked to stop between two commands
  resp::OutputBuffer out_;
  std::string progress_;  // ReplicaProgress of the command being applied (reused)
  LinkSocket socket_;  // last: its cancel check reads the members above
};

}  // namespace

ReplicaLink::ReplicaLink(ServerState* state, const TlsContext* tls)
    : state_(state), tls_(tls), stats_(state->stats.Create()) {}

ReplicaLink::~ReplicaLink() { Stop(); }

void ReplicaLink::Start() {
  state_->replica.wake = [this] {
    std::lock_guard lock(mu_);
    cv_.notify_all();
  };
  thread_ = std::thread([this] {
    PlaceThisThread(ThreadRole::kServer, "replica_link");
    Run();
  });
}

void ReplicaLink::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void ReplicaLink::Pause(int64_t ms, uint64_t generation) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, std::chrono::milliseconds(ms), [&] {
    return stop_.load() || state_->replica.generation.load() != generation;
  });
}

void ReplicaLink::Run() {
  ReplicaState& r = state_->replica;
  while (!stop_.load()) {
    uint64_t generation = r.generation.load();
    if (state_->loading.load() || !r.active.load()) {
      Pause(100, generation);
      continue;
    }
    bool cancelled = false;
    Status st;
    {
      Session session(*state_, tls_, *stats_, stop_, generation);
      st = session.Run();
      cancelled = session.cancelled();
    }
    if (r.link.load() == LinkState::kConnected || r.link_down_since_ms.load() == 0) {
      r.link_down_since_ms = WallMs();
    }
    r.link = LinkState::kConnect;
    if (cancelled) continue;
    Log(LogLevel::kWarning, "Replication link to MASTER: %s; retrying in 1 second",
        std::string(st.message()).c_str());
    Pause(1000, generation);
  }
}

}  // namespace cairn::server
