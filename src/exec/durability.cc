// src/exec/durability.cc — see durability.h.
#include "src/exec/durability.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <optional>

#include "src/base/log.h"
#include "src/exec/replay_queue.h"
#include "store/durability/log_file.h"
#include "store/durability/snapshot.h"
#include "store/durability/wal_format.h"
#include "store/durability/wal_reader.h"
#include "store/durability/wal_writer.h"
#include "store/effects.h"

namespace cairn::server {
namespace {

class LogReporter final : public store::wal::WalReporter {
 public:
  void TornTail(const std::string& segment, uint64_t offset, uint64_t bytes_dropped) override {
    Log(LogLevel::kWarning, "WAL torn tail in %s at offset %llu: %llu bytes dropped",
        segment.c_str(), static_cast<unsigned long long>(offset),
        static_cast<unsigned long long>(bytes_dropped));
  }
  void Corruption(const std::string& segment, uint64_t offset,
                  const std::string& reason) override {
    Log(LogLevel::kWarning, "WAL corruption in %s at offset %llu: %s", segment.c_str(),
        static_cast<unsigned long long>(offset), reason.c_str());
  }
};

// Testing only: while debug-wal-inject-enospc is on, appends and syncs fail as on a full
// disk, so tests can watch a real server refuse writes and recover. One relaxed load per
// call when off.
class FaultInjectingLogFile final : public store::LogFile {
 public:
  FaultInjectingLogFile(std::unique_ptr<store::LogFile> file, const std::atomic<bool>* fail)
      : file_(std::move(file)), fail_(fail) {}
  Status Append(std::string_view data) override {
    return failing() ? Status::IoError(ENOSPC, "write (injected)") : file_->Append(data);
  }
  Status Sync() override {
    return failing() ? Status::IoError(ENOSPC, "fdatasync (injected)") : file_->Sync();
  }
  Status Truncate(uint64_t size) override { return file_->Truncate(size); }
  uint64_t size() const override { return file_->size(); }

 private:
  bool failing() const { return fail_->load(std::memory_order_relaxed); }

  std::unique_ptr<store::LogFile> file_;
  const std::atomic<bool>* fail_;
};

uint64_t FileSize(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

// Bytes recovery will read (snapshot and WAL segments), for progress reports.
uint64_t RecoveryBytes(const std::string& dir) {
  uint64_t total = FileSize(dir + "/" + store::kSnapshotFileName);
  Result<std::vector<store::wal::WalSegment>> segments = store::wal::ListSegments(dir);
  if (segments.ok()) {
    for (const auto& s : *segments) total += FileSize(s.path);
  }
  return total;
}

// Tracks replay progress through the segments and logs it once a second.
class Progress {
 public:
  Progress(ServerState& state, std::chrono::steady_clock::time_point start)
      : state_(state), start_(start), last_log_(start) {}
  void OnRecord(const store::wal::WalRecord& r, uint64_t records) {
    if (r.segment != segment_) {
      done_segments_ += FileSize(segment_);
      segment_ = std::string(r.segment);
    }
    state_.loading_loaded_bytes = base_ + done_segments_ + r.offset;
    if ((records & 1023) != 0) return;
    auto now = std::chrono::steady_clock::now();
    if (now - last_log_ < std::chrono::seconds(1)) return;
    last_log_ = now;
    uint64_t total = state_.loading_total_bytes.load();
    Log(LogLevel::kNotice, "Loading: %.1f%% (%llu records, %.1f s)",
        total == 0 ? 0.0 : 100.0 * state_.loading_loaded_bytes.load() / total,
        static_cast<unsigned long long>(records),
        std::chrono::duration<double>(now - start_).count());
  }
  void set_base(uint64_t bytes) { base_ = bytes; }

 private:
  ServerState& state_;
  std::chrono::steady_clock::time_point start_, last_log_;
  std::string segment_;
  uint64_t base_ = 0, done_segments_ = 0;
};

// "WAL record <lsn> in <segment> at offset <offset>", for errors.
std::string RecordPlace(const store::wal::WalRecord& r) {
  return "WAL record " + std::to_string(r.lsn) + " in " + std::string(r.segment) +
         " at offset " + std::to_string(r.offset);
}

// Why a read of the log stopped on damage (OK when it did not): a segment that could not be
// read, or corruption at an offset.
Status ReadDamage(const store::wal::WalReadResult& result) {
  if (result.state == store::wal::WalReadState::kIoError) {
    return Status(Code::kIoError,
                  "reading the WAL failed: " + result.segment + ": " + result.reason);
  }
  if (result.state == store::wal::WalReadState::kCorrupt) {
    return Status::Corruption("WAL corruption in " + result.segment + " at offset " +
                              std::to_string(result.offset) + ": " + result.reason +
                              " (inspect and repair with cairn-check-wal)");
  }
  return Status::Ok();
}

// A log that begins after the record following the snapshot's cut.
Status RecordsMissing(uint64_t first_lsn, uint64_t cut) {
  return Status::Corruption("the WAL starts at LSN " + std::to_string(first_lsn) +
                            " but the snapshot ends at " + std::to_string(cut) +
                            ": records are missing");
}

// Loads the snapshot (if any), then replays every WAL record after its cut. Returns the LSN
// the next record gets, or why startup must stop.
Result<uint64_t> Replay(ServerState& state, const std::string& dir) {
  auto start = std::chrono::steady_clock::now();
  state.loading_start_s = std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch()).count();
  state.loading_total_bytes = RecoveryBytes(dir);
  Progress progress(state, start);
  Result<store::SnapshotInfo> loaded = store::LoadSnapshot(state.store, dir);
  if (!loaded.ok()) return loaded.TakeStatus();
  const store::SnapshotInfo& snapshot = *loaded;
  if (snapshot.bytes > 0) {
    Log(LogLevel::kNotice, "Snapshot loaded: %llu keys, cut at LSN %llu",
        static_cast<unsigned long long>(snapshot.keys),
        static_cast<unsigned long long>(snapshot.lsn));
  }
  state.snapshot_lsn = snapshot.lsn;
  NoteLoadedKeys(state, snapshot);
  if (Status st = SettleWalSupersededMarker(dir, snapshot.lsn); !st.ok()) return st;
  if (Status st = SettleWalBaseMarker(dir, snapshot.lsn); !st.ok()) return st;
  progress.set_base(snapshot.bytes);
  state.loading_loaded_bytes = snapshot.bytes;
  LogReporter reporter;
  uint64_t records = 0, skipped = 0;
  bool skip_bad = state.config.Snapshot().wal_replay_skip_bad_records;
  Status malformed;
  ReplayQueue queue(state.store, [&](const store::wal::WalRecord& r, const Status& error) {
    std::string what = RecordPlace(r) + ": " + std::string(error.message());
    if (!skip_bad) {
      malformed = Status::Corruption(
          what + " (show it with cairn-check-wal --show " + std::to_string(r.lsn) + " " + dir +
          "; to start anyway, skipping such records, set wal-replay-skip-bad-records yes)");
      return false;
    }
    Log(LogLevel::kWarning, "Skipped %s", what.c_str());
    ++skipped;
    return true;
  });
  store::wal::WalReadResult result = store::wal::ReadWal(
      dir, snapshot.lsn,
      [&](const store::wal::WalRecord& r) {
        ++records;
        progress.OnRecord(r, records);
        return queue.Add(r);
      },
      &reporter);
  if (malformed.ok()) (void)queue.Flush();  // the records read last; sets malformed if bad
  if (!malformed.ok()) return malformed;
  if (skipped > 0) {
    Log(LogLevel::kWarning, "%llu WAL records did not apply and were skipped",
        static_cast<unsigned long long>(skipped));
  }
  if (Status st = ReadDamage(result); !st.ok()) return st;
  if (result.next_lsn != 0 && result.next_lsn <= snapshot.lsn) {
    // A snapshot is published only after the log is synced through its cut
    // (Journal::SyncThrough), so one that is ahead of the log was not written with this log:
    // damaged, or copied from elsewhere. Deleting the segments could lose acknowledged
    // writes, so nothing is touched and the operator decides.
    return Status::Corruption(
        "the snapshot " + dir + "/" + store::kSnapshotFileName + " is cut at LSN " +
        std::to_string(snapshot.lsn) + " but the WAL ends at LSN " +
        std::to_string(result.next_lsn - 1) +
        ": they do not belong together; nothing was changed. If the snapshot holds the data you "
        "want, move the wal-*.log files out of " +
        dir + "; if the log does, move the snapshot out");
  } else if (result.first_lsn > snapshot.lsn + 1) {
    return RecordsMissing(result.first_lsn, snapshot.lsn);
  }
  if (result.state == store::wal::WalReadState::kTornTail) {
    if (Status st = store::wal::TruncateWal(dir, result, nullptr); !st.ok()) {
      return Status(st.code(), "cutting the WAL's torn tail failed: " + std::string(st.message()));
    }
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - start).count();
  state.loaded_records = records;
  state.load_ms = ms;
  uint64_t next_lsn = std::max(result.next_lsn, snapshot.lsn + 1);  // empty log: after the cut
  Log(LogLevel::kNotice, "WAL replayed: %llu records in %lld ms, next LSN %llu",
      static_cast<unsigned long long>(records), static_cast<long long>(ms),
      static_cast<unsigned long long>(next_lsn));
  return next_lsn;
}

// A whole file holding lsn, or none: written aside, synced, renamed into place, the
// directory synced.
Status WriteLsnFile(const std::string& dir, const char* name, uint64_t lsn) {
  std::string path = dir + "/" + name;
  std::string tmp = path + ".tmp";
  std::string text = std::to_string(lsn) + "\n";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoError(errno, "creating " + tmp);
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fdatasync(fd) == 0;
  int err = errno;
  ::close(fd);
  if (!ok) return Status::IoError(err, "writing " + tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Status::IoError(errno, "renaming " + tmp);
  return store::SyncDir(dir);
}

// The LSN a file written by WriteLsnFile holds; nullopt when there is no such file, or an
// empty one (a crash before it was written whole: nothing it guards had begun).
Result<std::optional<uint64_t>> ReadLsnFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<uint64_t>();
    return Status::IoError(errno, "opening " + path);
  }
  char text[32] = {};
  ssize_t n = ::read(fd, text, sizeof(text) - 1);
  int read_errno = errno;
  ::close(fd);
  if (n < 0) return Status::IoError(read_errno, "reading " + path);
  if (n == 0) return std::optional<uint64_t>();
  uint64_t lsn = 0;
  auto [end, ec] = std::from_chars(text, text + n, lsn);
  if (ec != std::errc() || (end != text + n && *end != '\n')) {
    return Status::Corruption(path + " does not hold an LSN: remove it to start");
  }
  return std::optional<uint64_t>(lsn);
}

}  // namespace

void NoteLoadedKeys(ServerState& state, const store::SnapshotInfo& snapshot) {
  state.load_keys_loaded = snapshot.keys - snapshot.expired;
  state.load_keys_expired = snapshot.expired;
}

Status WriteWalBaseMarker(const std::string& dir, uint64_t first_lsn) {
  return WriteLsnFile(dir, kWalBasePendingFile, first_lsn);
}

Status WriteWalSupersededMarker(const std::string& dir, uint64_t cut_at_least) {
  return WriteLsnFile(dir, kWalSupersededFile, cut_at_least);
}

Status SettleWalSupersededMarker(const std::string& dir, uint64_t snapshot_lsn) {
  std::string marker = dir + "/" + kWalSupersededFile;
  Result<std::optional<uint64_t>> cut = ReadLsnFile(marker);
  if (!cut.ok()) return cut.TakeStatus();
  if (cut->has_value() && snapshot_lsn >= **cut) {
    Result<int> removed = store::RemoveSegmentsBefore(dir, UINT64_MAX);
    if (!removed.ok()) return removed.TakeStatus();
    if (*removed > 0) {
      Log(LogLevel::kNotice, "%d WAL segments superseded by the snapshot (cut at LSN %llu, "
          "taken without the log) removed", *removed,
          static_cast<unsigned long long>(snapshot_lsn));
    }
  }
  if (::unlink(marker.c_str()) != 0 && errno != ENOENT) {
    return Status::IoError(errno, "unlink " + marker);
  }
  return store::SyncDir(dir);
}

Result<uint64_t> LogEndBound(const std::string& dir) {
  Result<std::vector<store::wal::WalSegment>> segments = store::wal::ListSegments(dir);
  if (!segments.ok()) return segments.TakeStatus();
  if (segments->empty()) return uint64_t{0};
  struct stat st;
  const store::wal::WalSegment& newest = segments->back();
  if (::stat(newest.path.c_str(), &st) != 0) return Status::IoError(errno, "stat " + newest.path);
  return newest.first_lsn + static_cast<uint64_t>(st.st_size);
}

Status SettleWalBaseMarker(const std::string& dir, uint64_t snapshot_lsn) {
  std::string marker = dir + "/" + kWalBasePendingFile;
  Result<std::optional<uint64_t>> marked = ReadLsnFile(marker);
  if (!marked.ok()) return marked.TakeStatus();
  uint64_t first = marked->value_or(0);  // a log's first LSN is never 0
  if (first != 0 && snapshot_lsn + 1 < first) {
    // The base never landed: the log's segments go (no reply revealed their writes).
    Result<std::vector<store::wal::WalSegment>> segments = store::wal::ListSegments(dir);
    if (!segments.ok()) return segments.TakeStatus();
    int dropped = 0;
    for (auto it = segments->rbegin(); it != segments->rend(); ++it) {  // newest first
      if (it->first_lsn < first) break;
      if (::unlink(it->path.c_str()) != 0) return Status::IoError(errno, "unlink " + it->path);
      ++dropped;
    }
    Log(LogLevel::kWarning,
        "The WAL turned on at LSN %llu (CONFIG SET appendonly yes) never got its base snapshot: "
        "%d segments dropped (no reply had revealed their writes)",
        static_cast<unsigned long long>(first), dropped);
  } else if (first != 0) {
    // The base landed: the segments before the log may still be there, with a gap after them.
    Result<int> removed = store::RemoveSegmentsBefore(dir, first);
    if (!removed.ok()) return removed.TakeStatus();
  }
  if (::unlink(marker.c_str()) != 0 && errno != ENOENT) {
    return Status::IoError(errno, "unlink " + marker);
  }
  return store::SyncDir(dir);
}

Status LoadLogThrough(ServerState& state, const std::string& dir, uint64_t through) {
  Result<store::SnapshotInfo> loaded = store::LoadSnapshot(state.store, dir);
  if (!loaded.ok()) return loaded.TakeStatus();
  uint64_t cut = loaded->lsn;
  if (cut > through) {
    return Status::Corruption("the snapshot is cut at LSN " + std::to_string(cut) +
                              ", after the last record appended (" + std::to_string(through) +
                              ")");
  }
  Status malformed;
  store::wal::WalReadResult result = store::wal::ReadWal(
      dir, cut,
      [&](const store::wal::WalRecord& r) {
        if (r.lsn > through) return false;  // appended after the caller's point in time
        if (Status applied = store::ApplyEffects(state.store, r.payload); !applied.ok()) {
          malformed = Status::Corruption(RecordPlace(r) + ": " + std::string(applied.message()));
          return false;
        }
        return true;
      },
      nullptr);
  if (!malformed.ok()) return malformed;
  if (Status st = ReadDamage(result); !st.ok()) return st;
  if (through > cut && result.first_lsn > cut + 1) return RecordsMissing(result.first_lsn, cut);
  using store::wal::WalReadState;
  // Stopped past `through`, or read to an end (a torn one is a record still being written)
  // at or after it.
  if (through > cut && result.state != WalReadState::kStopped && result.last_lsn < through) {
    return Status::Corruption("the WAL ends at LSN " + std::to_string(result.last_lsn) +
                              ", before the last record appended (" + std::to_string(through) +
                              ")");
  }
  return Status::Ok();
}

store::FsyncPolicy FsyncPolicyOf(std::string_view appendfsync) {
  if (appendfsync == "everysec") return store::FsyncPolicy::kEverySec;
  if (appendfsync == "no") return store::FsyncPolicy::kNo;
  return store::FsyncPolicy::kAlways;
}

std::unique_ptr<store::GroupCommit> MakeWal(ServerState& state, const DurabilityOptions& options,
                                            uint64_t next_lsn) {
  Config config = state.config.Snapshot();
  store::GroupCommitOptions gc;
  gc.wal.dir = options.dir;
  gc.wal.segment_bytes = static_cast<uint64_t>(config.wal_segment_size);
  gc.policy = FsyncPolicyOf(config.appendfsync);
  gc.sync_delay_ms_for_testing = config.debug_wal_sync_delay_ms;
  const std::atomic<bool>* fail = &state.limits.inject_wal_enospc;
  gc.wal.open = [fail](const std::string& path) -> Result<std::unique_ptr<store::LogFile>> {
    Result<std::unique_ptr<store::LogFile>> file = store::OpenWalSegmentFile(path);
    if (!file.ok()) return file;
    return std::unique_ptr<store::LogFile>(
        std::make_unique<FaultInjectingLogFile>(std::move(file).value(), fail));
  };
  gc.on_durable = options.on_durable;
  ServerState* s = &state;
  auto wake = options.on_durable;
  gc.on_error = [s, wake](const Status& st) {
    {
      std::lock_guard lock(s->wal_error_mu);
      s->wal_error = st.ok() ? "" : std::strerror(st.sys_errno());
    }
    if (!st.ok() && wake) wake(0);  // connections holding replies turn them into errors
    if (!st.ok()) {
      Log(LogLevel::kWarning, "WAL write failed: %s; refusing writes until it succeeds",
          std::strerror(st.sys_errno()));
    } else {
      Log(LogLevel::kWarning, "WAL writes succeed again; accepting writes");
    }
  };
  return std::make_unique<store::GroupCommit>(std::move(gc), next_lsn);
}

Result<std::unique_ptr<store::GroupCommit>> StartDurability(ServerState& state,
                                                            const DurabilityOptions& options) {
  Result<uint64_t> next_lsn = Replay(state, options.dir);
  if (!next_lsn.ok()) return next_lsn.TakeStatus();
  std::unique_ptr<store::GroupCommit> wal = MakeWal(state, options, *next_lsn);
  wal->Start();
  state.wal = wal.get();
  state.store.set_journal(wal.get());
  return wal;
}

void StopDurability(ServerState& state, store::GroupCommit* wal) {
  if (wal == nullptr) return;
  if (Status st = wal->Stop(); !st.ok()) {
    Log(LogLevel::kWarning, "WAL final sync failed: %s", std::strerror(st.sys_errno()));
  } else {
    Log(LogLevel::kNotice, "WAL synced up to LSN %llu",
        static_cast<unsigned long long>(wal->durable_lsn()));
  }
  state.store.set_journal(nullptr);
  state.wal = nullptr;
}

}  // namespace cairn::server
