// tests/store/group_commit_test.cc — the group-commit protocol (store/durability/group_commit.h) against
// real segment files in a temp directory. The committer's files are wrapped in a LogFile that
// the test controls: it can hold a Sync until the test releases it (to force "the next batch
// fills while one is syncing"), fail Appends with ENOSPC after writing half the bytes, fail
// Syncs with EIO, and it records which LSNs reached the file and which were synced, so every
// test also checks that durable_lsn never runs ahead of what was synced.
#include "store/durability/group_commit.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "store/durability/log_file.h"
#include "store/durability/wal_format.h"
#include "store/durability/wal_reader.h"
#include "tests/support/temp_dir.h"

namespace cairn::store {
namespace {

using cairn::test::TempDir;

namespace fs = std::filesystem;

// Generous: a bound that only a hang (or a lost wake-up) reaches, never a slow machine.
constexpr auto kWaitLimit = std::chrono::seconds(20);

// The highest LSN among the whole records in bytes (0 for a segment header or no record).
uint64_t LastLsnIn(std::string_view bytes) {
  if (bytes.substr(0, wal::kMagic.size()) == wal::kMagic) return 0;
  wal::Decoder d(bytes);
  uint64_t last = 0;
  while (!d.empty()) {
    uint32_t crc = 0;
    uint64_t size = 0, lsn = 0;
    uint8_t type = 0;
    std::string_view body;
    if (!d.U32(&crc) || !d.Varint(&size) || !d.Bytes(size, &body)) break;
    wal::Decoder b(body);
    if (!b.U8(&type) || !b.U64(&lsn)) break;
    last = std::max(last, lsn);
  }
  return last;
}

// What the test controls and sees of the committer's files, and of its callbacks.
struct FileControl {
  std::mutex mu;
  std::condition_variable cv;

  // Faults. Sync number n (counting from 1) waits while block_syncs && syncs_released < n.
  bool block_syncs = false;
  int syncs_released = 0;
  int append_error = 0;     // errno; while set: Append writes half of its bytes, then fails
  int sync_error = 0;       // errno; while set: Sync fails with it
  int open_error = 0;       // errno; while set: opening a segment file fails with it
  int append_delay_us = 0;  // a slow disk: each Append takes at least this long
  // Runs after each successful Append, outside the lock (set before the committer starts).
  std::function<void()> after_append;

  // Observations.
  int syncs_started = 0;
  int syncs_ok = 0;
  int open_files = 0;  // segment files opened and not yet closed
  int failed_appends = 0;
  int failed_syncs = 0;
  uint64_t appended_lsn = 0;  // highest LSN whose record reached a file
  uint64_t synced_lsn = 0;    // highest LSN covered by a successful Sync
  uint64_t durable_seen = 0;  // highest LSN passed to on_durable
  std::vector<int> errors;    // the errno of every on_error argument, in order (0: OK)
  // Times on_durable (or durable_lsn(), sampled at Sync) claimed an LSN not yet synced.
  int durable_ahead_of_sync = 0;
  bool check_durable_is_synced = true;  // false for everysec / no, which ack on write
  std::atomic<const GroupCommit*> committer{nullptr};

  template <class Pred>
  bool WaitFor(Pred pred) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, kWaitLimit, pred);
  }
  template <class Fn>
  void Change(Fn fn) {
    {
      std::lock_guard lock(mu);
      fn();
    }
    cv.notify_all();
  }
};

class ControlledFile final : public LogFile {
 public:
  ControlledFile(std::unique_ptr<LogFile> inner, FileControl* control)
      : inner_(std::move(inner)), c_(control) {
    c_->Change([&] { ++c_->open_files; });
  }
  ~ControlledFile() override {
    c_->Change([&] { --c_->open_files; });
  }

  Status Append(std::string_view data) override {
    std::unique_lock lock(c_->mu);
    if (c_->append_error != 0) {
      int error = c_->append_error;
      ++c_->failed_appends;
      lock.unlock();
      (void)inner_->Append(data.substr(0, data.size() / 2));  // a short write, then no room
      c_->cv.notify_all();
      return Status::IoError(error, "write");
    }
    int delay_us = c_->append_delay_us;
    lock.unlock();
    if (delay_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
    if (Status st = inner_->Append(data); !st.ok()) return st;
    c_->Change([&] { c_->appended_lsn = std::max(c_->appended_lsn, LastLsnIn(data)); });
    if (c_->after_append) c_->after_append();
    return Status::Ok();
  }

  Status Sync() override {
    std::unique_lock lock(c_->mu);
    int n = ++c_->syncs_started;
    const GroupCommit* gc = c_->committer.load();
    if (c_->check_durable_is_synced && gc != nullptr && gc->durable_lsn() > c_->synced_lsn) {
      ++c_->durable_ahead_of_sync;
    }
    c_->cv.notify_all();
    c_->cv.wait_for(lock, kWaitLimit, [&] { return !c_->block_syncs || c_->syncs_released >= n; });
    if (c_->sync_error != 0) {
      ++c_->failed_syncs;
      c_->cv.notify_all();
      return Status::IoError(c_->sync_error, "fdatasync");
    }
    uint64_t covered = c_->appended_lsn;
    lock.unlock();
    Status st = inner_->Sync();
    c_->Change([&] {
      if (!st.ok()) return;
      ++c_->syncs_ok;
      c_->synced_lsn = std::max(c_->synced_lsn, covered);
    });
    return st;
  }

  Status Truncate(uint64_t size) override { return inner_->Truncate(size); }
  uint64_t size() const override { return inner_->size(); }

 private:
  std::unique_ptr<LogFile> inner_;
  FileControl* c_;
};

GroupCommitOptions Options(const std::string& dir, FileControl* c,
                           FsyncPolicy policy = FsyncPolicy::kAlways) {
  GroupCommitOptions o;
  o.wal.dir = dir;
  o.wal.open = [c](const std::string& path) -> Result<std::unique_ptr<LogFile>> {
    {
      std::lock_guard lock(c->mu);
      if (c->open_error != 0) return Status::IoError(c->open_error, "open " + path);
    }
    Result<std::unique_ptr<LogFile>> f = OpenWalSegmentFile(path);
    if (!f.ok()) return f;
    return std::unique_ptr<LogFile>(std::make_unique<ControlledFile>(std::move(f).value(), c));
  };
  o.policy = policy;
  o.retry_interval_ms = 5;
  c->check_durable_is_synced = policy == FsyncPolicy::kAlways;
  o.on_durable = [c](uint64_t lsn) {
    c->Change([&] {
      if (c->check_durable_is_synced && lsn > c->synced_lsn) ++c->durable_ahead_of_sync;
      c->durable_seen = std::max(c->durable_seen, lsn);
    });
  };
  o.on_error = [c](const Status& st) {
    c->Change([&] { c->errors.push_back(st.sys_errno()); });
  };
  return o;
}

std::string Payload(uint64_t i) { return "payload-" + std::to_string(i) + std::string(i % 7, 'x'); }

struct LogContents {
  wal::WalReadResult result;
  std::vector<uint64_t> lsns;
  std::vector<std::string> payloads;
};

LogContents ReadLog(const std::string& dir) {
  LogContents log;
  log.result = wal::ReadWal(
      dir, 0,
      [&](const wal::WalRecord& r) {
        log.lsns.push_back(r.lsn);
        log.payloads.emplace_back(r.payload);
        return true;
      },
      nullptr);
  return log;
}

// The log holds exactly the records 1..n, once each, with Payload(lsn) as their payloads.
void CheckLogHoldsExactly(const std::string& dir, uint64_t n) {
  LogContents log = ReadLog(dir);
  INFO("log state ", static_cast<int>(log.result.state), " at ", log.result.segment, ":",
       log.result.offset, " reason: ", log.result.reason);
  CHECK(log.result.ok());
  REQUIRE(log.lsns.size() == n);
  for (uint64_t i = 0; i < n; ++i) {
    CHECK(log.lsns[i] == i + 1);
    CHECK(log.payloads[i] == Payload(i + 1));
  }
}

uint64_t AppendNumbered(GroupCommit& gc, uint64_t first, uint64_t last) {
  uint64_t lsn = 0;
  for (uint64_t i = first; i <= last; ++i) lsn = gc.Append(Payload(i));
  return lsn;
}

TEST_CASE("group commit writes every record appended from many threads once, in LSN order") {
  TempDir dir;
  FileControl c;
  GroupCommit gc(Options(dir.path(), &c), 1);
  c.committer = &gc;
  gc.Start();
  constexpr int kThreads = 4, kPerThread = 500;
  std::vector<std::map<uint64_t, std::string>> assigned(kThreads);  // per thread: LSN -> payload
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string p = "t" + std::to_string(t) + "-" + std::to_string(i);
        assigned[t][gc.Append(p)] = p;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(gc.Stop().ok());
  CHECK(gc.durable_lsn() == kThreads * kPerThread);

  LogContents log = ReadLog(dir.path());
  CHECK(log.result.ok());
  REQUIRE(log.lsns.size() == kThreads * kPerThread);
  std::map<uint64_t, std::string> expected;
  for (const auto& m : assigned) {
    // One thread's appends get increasing LSNs.
    CHECK(m.size() == kPerThread);
    int i = 0;
    for (const auto& [lsn, p] : m) CHECK(p.ends_with("-" + std::to_string(i++)));
    expected.insert(m.begin(), m.end());
  }
  for (size_t i = 0; i < log.lsns.size(); ++i) {
    CHECK(log.lsns[i] == i + 1);
    CHECK(log.payloads[i] == expected[i + 1]);  // the record Append numbered is the one logged
  }
  CHECK(gc.stats().records == kThreads * kPerThread);
  CHECK(c.durable_ahead_of_sync == 0);
}

TEST_CASE("group commit writes and syncs a lone append on an idle committer at once") {
  TempDir dir;
  FileControl c;
  GroupCommit gc(Options(dir.path(), &c), 1);
  c.committer = &gc;
  gc.Start();
  CHECK(gc.Append(Payload(1)) == 1);
  // No further append and no timer: the one record must become durable by itself.
  CHECK(c.WaitFor([&] { return c.syncs_ok >= 1 && c.durable_seen == 1; }));
  CHECK(gc.durable_lsn() == 1);
  CHECK(c.synced_lsn == 1);

  // And again after the committer went idle.
  CHECK(gc.Append(Payload(2)) == 2);
  CHECK(c.WaitFor([&] { return c.durable_seen == 2; }));
  CHECK(gc.durable_lsn() == 2);
  CHECK(gc.stats().batches == 2);
  CHECK(gc.Stop().ok());
  CheckLogHoldsExactly(dir.path(), 2);
  CHECK(c.durable_ahead_of_sync == 0);
}

TEST_CASE("a stopped group commit holds no segment file open, whoever wrote last") {
  TempDir dir;
  FileControl c;
  auto gc = std::make_unique<GroupCommit>(Options(dir.path(), &c), 1);
  gc->Start();
  // Each batch led by an event loop's thread, as a lone write is: the commit thread stays
  // idle throughout, so whether a loop leads never depends on its timing.
  auto lead = [&](uint64_t i) {
    bool led = false;
    std::thread loop([&] {
      GroupCommit::CommitsInlineOnThisThread();
      gc->Append(Payload(i));
      led = gc->CommitInline();
    });
    loop.join();
    return led;
  };
  CHECK(lead(1));
  CHECK(c.open_files == 1);
  gc->RotateSegment();
  CHECK(lead(2));
  CHECK(c.open_files == 1);  // the first segment was closed when the second began
  CHECK(lead(3));
  CHECK(gc->durable_lsn() == 3);
  CHECK(gc->Stop().ok());
  CHECK(c.open_files == 0);
  // What a thread still holding the pointer may do afterwards touches no file.
  CHECK_FALSE(gc->CommitInline());
  CHECK(gc->SyncThrough(3).ok());  // synced before the stop
  CHECK(c.open_files == 0);
  gc.reset();
  CheckLogHoldsExactly(dir.path(), 3);
}

TEST_CASE("group commit sends what filled during a sync as one following batch") {
  TempDir dir;
  FileControl c;
  c.block_syncs = true;
  GroupCommit gc(Options(dir.path(), &c), 1);
  c.committer = &gc;
  gc.Start();

  gc.Append(Payload(1));
  REQUIRE(c.WaitFor([&] { return c.syncs_started == 1; }));  // batch {1} is being synced
  CHECK(AppendNumbered(gc, 2, 11) == 11);                    // Append does not wait for it
  CHECK(gc.last_lsn() == 11);
  CHECK(gc.durable_lsn() == 0);  // nothing is synced yet

  c.Change([&] { c.syncs_released = 1; });
  REQUIRE(c.WaitFor([&] { return c.syncs_started == 2; }));  // batch {2..11} is being synced
  CHECK(gc.durable_lsn() == 1);                              // exactly the synced batch
  CHECK(c.durable_seen == 1);

  c.Change([&] { c.syncs_released = 2; });
  REQUIRE(c.WaitFor([&] { return c.durable_seen == 11; }));
  CHECK(gc.durable_lsn() == 11);
  GroupCommitStats s = gc.stats();
  CHECK(s.batches == 2);
  CHECK(s.fsyncs == 2);
  CHECK(s.records == 11);
  CHECK(s.max_batch_records == 10);
  c.Change([&] { c.block_syncs = false; });
  CHECK(gc.Stop().ok());
  CheckLogHoldsExactly(dir.path(), 11);
  CHECK(c.durable_ahead_of_sync == 0);
}

TEST_CASE("group commit never reports an LSN durable before its batch was synced") {
  TempDir dir;
  FileControl c;
  c.block_syncs = true;
  GroupCommit gc(Options(dir.path(), &c), 1);
  c.committer = &gc;
  gc.Start();

  // Writers append while a releaser lets syncs through one at a time; the main thread keeps
  // comparing durable_lsn() with what the file says was synced.
  std::atomic<bool> writers_done{false};
  std::thread releaser([&] {
    while (!writers_done.load()) {
      c.WaitFor([&] { return c.syncs_started > c.syncs_released || writers_done.load(); });
      c.Change([&] { c.syncs_released = c.syncs_started; });
    }
  });
  std::vector<std::thread> writers;
  std::atomic<int> samples_ahead{0};
  for (int t = 0; t < 3; ++t) {
    writers.emplace_back([&] {
      for (int i = 0; i < 300; ++i) {
        gc.Append("w");
        uint64_t durable = gc.durable_lsn();
        std::lock_guard lock(c.mu);
        if (durable > c.synced_lsn) samples_ahead.fetch_add(1);
      }
    });
  }
  for (auto& w : writers) w.join();
  writers_done = true;
  c.Change([&] { c.block_syncs = false; });
  releaser.join();
  CHECK(gc.Stop().ok());
  CHECK(samples_ahead.load() == 0);
  CHECK(c.durable_ahead_of_sync == 0);
  CHECK(gc.durable_lsn() == 900);
  CHECK(c.synced_lsn == 900);
  CHECK(gc.stats().max_batch_records > 1);
}

TEST_CASE("group commit holds a batch whose append failed (ENOSPC) and retries it until it fits") {
  TempDir dir;
  FileControl c;
  GroupCommit gc(Options(dir.path(), &c), 1);
  c.committer = &gc;
  gc.Start();
  AppendNumbered(gc, 1, 3);
  REQUIRE(c.WaitFor([&] { return c.durable_seen == 3; }));
  CHECK_FALSE(gc.failed());

  c.Change([&] { c.append_error = ENOSPC; });
  gc.Append(Payload(4));
  REQUIRE(c.WaitFor([&] { return !c.errors.empty(); }));
  CHECK(c.errors == std::vector<int>{ENOSPC});
  CHECK(gc.failed());
  AppendNumbered(gc, 5, 6);  // appends go on while the disk is full
  REQUIRE(c.WaitFor([&] { return c.failed_appends >= 3; }));  // it keeps retrying
  CHECK(gc.durable_lsn() == 3);
  CHECK(c.durable_seen == 3);
  CHECK(gc.failed());

  c.Change([&] { c.append_error = 0; });  // room again
  REQUIRE(c.WaitFor([&] { return c.durable_seen == 6; }));
  CHECK(gc.durable_lsn() == 6);
  CHECK_FALSE(gc.failed());
  CHECK(c.errors == std::vector<int>{ENOSPC, 0});
  CHECK(gc.stats().failures >= 1);
  CHECK(gc.Stop().ok());
  CheckLogHoldsExactly(dir.path(), 6);  // the half-written attempts left nothing behind
  CHECK(c.durable_ahead_of_sync == 0);
}

TEST_CASE("group commit holds a batch whose sync failed (EIO) and logs it exactly once") {
  TempDir dir;
  FileControl c;
  GroupCommit gc(Options(dir.path(), &c), 1);
  c.committer = &gc;
  gc.Start();
  AppendNumbered(gc, 1, 3);
  REQUIRE(c.WaitFor([&] { return c.durable_seen == 3; }));

  c.Change([&] { c.sync_error = EIO; });
  gc.Append(Payload(4));
  REQUIRE(c.WaitFor([&] { return !c.errors.empty(); }));
  CHECK(c.errors == std::vector<int>{EIO});
  CHECK(gc.failed());
  AppendNumbered(gc, 5, 6);
  REQUIRE(c.WaitFor([&] { return c.failed_syncs >= 3; }));
  CHECK(gc.durable_lsn() == 3);
  CHECK(c.durable_seen == 3);

  c.Change([&] { c.sync_error = 0; });
  REQUIRE(c.WaitFor([&] { return c.durable_seen == 6; }));
  CHECK(gc.durable_lsn() == 6);
  CHECK_FALSE(gc.failed());
  CHECK(c.errors == std::vector<int>{EIO, 0});
  CHECK(gc.Stop().ok());
  // Every retry must not leave another copy of the batch in the file: records 1..6, once.
  CheckLogHoldsExactly(dir.path(), 6);
  CHECK(c.durable_ahead_of_sync == 0);
}

TEST_CASE("group commit keeps the log whole when the disk fills while a new segment starts") {
  TempDir dir;
  FileControl c;
  GroupCommitOptions o = Options(dir.path(), &c);
  o.wal.segment_bytes = 1;  // every batch after the first starts a new segment
  GroupCommit gc(std::move(o), 1);
  c.committer = &gc;
  gc.Start();
  AppendNumbered(gc, 1, 2);
  REQUIRE(c.WaitFor([&] { return c.durable_seen == 2; }));

  // The new segment cannot be created, then its header cannot be written.
  c.Change([&] { c.open_error = ENOSPC; });
  gc.Append(Payload(3));
  REQUIRE(c.WaitFor([&] { return !c.errors.empty(); }));
  CHECK(gc.failed());
  c.Change([&] {
    c.open_error = 0;
    c.append_error = ENOSPC;
  });
  REQUIRE(c.WaitFor([&] { return c.failed_appends >= 2; }));
  CHECK(gc.durable_lsn() == 2);
  c.Change([&] { c.append_error = 0; });
  REQUIRE(c.WaitFor([&] { return c.durable_seen == 3; }));
  AppendNumbered(gc, 4, 6);
  REQUIRE(c.WaitFor([&] { return c.durable_seen == 6; }));
  CHECK_FALSE(gc.failed());
  CHECK(c.errors == std::vector<int>{ENOSPC, 0});
  CHECK(gc.Stop().ok());
  CheckLogHoldsExactly(dir.path(), 6);
}

TEST_CASE("group commit under appendfsync everysec reports a failed sync like a failed write") {
  TempDir dir;
  FileControl c;
  c.sync_error = EIO;
  GroupCommit gc(Options(dir.path(), &c, FsyncPolicy::kEverySec), 1);
  c.committer = &gc;
  gc.Start();
  AppendNumbered(gc, 1, 3);
  // The once-a-second sync runs (and fails) within a few seconds.
  REQUIRE(c.WaitFor([&] { return c.failed_syncs >= 1 && c.durable_seen == 3; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let it react to the failure
  bool failed = gc.failed();
  std::vector<int> errors;
  c.Change([&] { errors = c.errors; });
  CHECK(failed);  // writes must be refused until the disk syncs again
  CHECK(errors == std::vector<int>{EIO});
  c.Change([&] { c.sync_error = 0; });
  (void)gc.Stop();
}

TEST_CASE("group commit Stop writes and syncs everything appended before it") {
  TempDir dir;
  FileControl c;
  GroupCommit gc(Options(dir.path(), &c), 1);
  c.committer = &gc;
  gc.Start();
  AppendNumbered(gc, 1, 200);
  CHECK(gc.Stop().ok());
  CHECK(gc.durable_lsn() == 200);
  CHECK(c.synced_lsn == 200);
  CheckLogHoldsExactly(dir.path(), 200);
}

TEST_CASE("group commit continues the LSNs of a recovered log in a new segment") {
  TempDir dir;
  {
    FileControl c;
    GroupCommit gc(Options(dir.path(), &c), 1);
    gc.Start();
    AppendNumbered(gc, 1, 5);
    CHECK(gc.Stop().ok());
  }
  FileControl c;
  GroupCommit gc(Options(dir.path(), &c), 6);
  gc.Start();
  CHECK(gc.Append(Payload(6)) == 6);
  AppendNumbered(gc, 7, 9);
  CHECK(gc.Stop().ok());
  CheckLogHoldsExactly(dir.path(), 9);
}

TEST_CASE("group commit starts new segments at the configured size and the log reads across") {
  TempDir dir;
  FileControl c;
  GroupCommitOptions o = Options(dir.path(), &c);
  o.wal.segment_bytes = 4096;
  GroupCommit gc(std::move(o), 1);
  c.committer = &gc;
  gc.Start();
  for (uint64_t i = 1; i <= 400; ++i) {
    gc.Append(Payload(i));
    if (i % 50 == 0) REQUIRE(c.WaitFor([&] { return c.durable_seen == i; }));
  }
  CHECK(gc.Stop().ok());
  Result<std::vector<wal::WalSegment>> segments = wal::ListSegments(dir.path());
  REQUIRE(segments.ok());
  CHECK(segments->size() > 1);
  CheckLogHoldsExactly(dir.path(), 400);
  CHECK(c.durable_ahead_of_sync == 0);
}

TEST_CASE("group commit under appendfsync everysec and no writes every record, syncs at Stop") {
  for (FsyncPolicy policy : {FsyncPolicy::kEverySec, FsyncPolicy::kNo}) {
    CAPTURE(static_cast<int>(policy));
    TempDir dir;
    FileControl c;
    GroupCommit gc(Options(dir.path(), &c, policy), 1);
    c.committer = &gc;
    gc.Start();
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 100; ++i) gc.Append("p");
      });
    }
    for (auto& th : threads) th.join();
    // Acknowledged once written: durable_lsn reaches the end without waiting for a sync.
    CHECK(c.WaitFor([&] { return c.durable_seen == 200; }));
    CHECK(gc.durable_lsn() == 200);
    CHECK(gc.Stop().ok());
    CHECK(c.synced_lsn == 200);  // shutdown makes it all durable
    LogContents log = ReadLog(dir.path());
    CHECK(log.result.ok());
    CHECK(log.lsns.size() == 200);
    CHECK(log.result.last_lsn == 200);
  }
}

TEST_CASE("group commit under appendfsync everysec syncs every second under sustained writes") {
  TempDir dir;
  FileControl c;
  c.append_delay_us = 2000;  // a disk that takes 2 ms per write
  GroupCommit gc(Options(dir.path(), &c, FsyncPolicy::kEverySec), 1);
  c.committer = &gc;
  // Sustained load: by the time each write finishes, another record has arrived, so there is
  // always a batch filling.
  std::atomic<bool> load{true};
  c.after_append = [&] {
    if (load.load()) gc.Append("steady-load");
  };
  gc.Start();
  gc.Append("first");
  // Count the syncs during 3.5 seconds of uninterrupted writes: "fsync every second" makes
  // 3; at least 2 is a bound only a policy that stops syncing under load misses.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  int before = 0;
  c.Change([&] { before = c.syncs_ok; });
  std::this_thread::sleep_for(std::chrono::milliseconds(3500));
  int during = 0;
  c.Change([&] { during = c.syncs_ok - before; });
  load = false;
  CHECK(gc.Stop().ok());
  CHECK(during >= 2);
}

TEST_CASE("group commit SyncThrough syncs written records on request under everysec and no") {
  for (FsyncPolicy policy : {FsyncPolicy::kEverySec, FsyncPolicy::kNo}) {
    CAPTURE(static_cast<int>(policy));
    TempDir dir;
    FileControl c;
    GroupCommit gc(Options(dir.path(), &c, policy), 1);
    c.committer = &gc;
    gc.Start();
    uint64_t last = AppendNumbered(gc, 1, 50);
    // A snapshot cut at `last` waits until the log is on disk through it, not for a timer.
    CHECK(gc.SyncThrough(last).ok());
    CHECK(c.synced_lsn >= last);
    CHECK(gc.SyncThrough(last).ok());  // already synced: returns at once
    CHECK(gc.Stop().ok());
    CheckLogHoldsExactly(dir.path(), 50);
  }
}

TEST_CASE("group commit SyncThrough under always returns once the batch is synced") {
  TempDir dir;
  FileControl c;
  c.block_syncs = true;
  GroupCommit gc(Options(dir.path(), &c), 1);
  c.committer = &gc;
  gc.Start();
  gc.Append(Payload(1));
  REQUIRE(c.WaitFor([&] { return c.syncs_started == 1; }));
  std::atomic<bool> returned{false};
  std::thread waiter([&] {
    CHECK(gc.SyncThrough(1).ok());
    returned = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK_FALSE(returned.load());  // the sync of LSN 1 is still held
  c.Change([&] { c.syncs_released = 1; });
  waiter.join();
  CHECK(c.synced_lsn == 1);
  c.Change([&] { c.block_syncs = false; });
  CHECK(gc.Stop().ok());
}

TEST_CASE("group commit SyncThrough gives up with an error while the log is failing") {
  TempDir dir;
  FileControl c;
  c.sync_error = EIO;
  GroupCommit gc(Options(dir.path(), &c), 1);
  c.committer = &gc;
  gc.Start();
  gc.Append(Payload(1));
  CHECK(gc.SyncThrough(1).sys_errno() == EIO);
  c.Change([&] { c.sync_error = 0; });
  REQUIRE(c.WaitFor([&] { return !c.errors.empty() && c.errors.back() == 0; }));  // recovered
  CHECK(gc.SyncThrough(1).ok());  // the retried batch was synced
  CHECK(gc.Stop().ok());
  CheckLogHoldsExactly(dir.path(), 1);
}

TEST_CASE("group commit under everysec answers SyncThrough on a failing disk once, not in a loop") {
  TempDir dir;
  FileControl c;
  GroupCommit gc(Options(dir.path(), &c, FsyncPolicy::kEverySec), 1);
  c.committer = &gc;
  gc.Start();
  c.Change([&] { c.sync_error = EIO; });
  uint64_t last = AppendNumbered(gc, 1, 5);
  // Written (acknowledged under everysec), and the sync that follows fails.
  REQUIRE(c.WaitFor([&] { return c.durable_seen == last && !c.errors.empty(); }));
  CHECK(gc.SyncThrough(last).sys_errno() == EIO);
  int syncs = 0;
  c.Change([&] { syncs = c.syncs_started; });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  int later = 0;
  c.Change([&] { later = c.syncs_started; });
  CHECK(later - syncs <= 1);  // at most the once-a-second sync, never a retry loop
  c.Change([&] { c.sync_error = 0; });
  // The once-a-second sync finds the disk healthy again; then a request is served.
  REQUIRE(c.WaitFor([&] { return !c.errors.empty() && c.errors.back() == 0; }));
  CHECK(gc.SyncThrough(last).ok());
  CHECK(c.synced_lsn >= last);
  CHECK(gc.Stop().ok());
}

TEST_CASE("group commit counts appended bytes as pending until their batch is written") {
  TempDir dir;
  FileControl c;
  c.block_syncs = true;
  GroupCommit gc(Options(dir.path(), &c), 1);
  c.committer = &gc;
  gc.Start();
  CHECK(gc.pending_bytes() == 0);
  gc.Append(Payload(1));
  REQUIRE(c.WaitFor([&] { return c.syncs_started == 1; }));
  uint64_t first = gc.pending_bytes();
  CHECK(first > Payload(1).size());  // the framed record, still being synced
  AppendNumbered(gc, 2, 11);
  CHECK(gc.pending_bytes() > first);
  c.Change([&] {
    c.block_syncs = false;
    c.syncs_released = 100;
  });
  REQUIRE(c.WaitFor([&] { return c.durable_seen == 11; }));
  CHECK(gc.pending_bytes() == 0);  // zero before the wake-up that reports LSN 11
  CHECK(gc.Stop().ok());
}

// ---- leaders: event-loop threads that commit their own batches (CommitInline) ----

// Runs fn on a new thread marked as an event loop's and waits for it.
template <class Fn>
void OnLoopThread(Fn fn) {
  std::thread t([&] {
    GroupCommit::CommitsInlineOnThisThread();
    fn();
  });
  t.join();
}

TEST_CASE("a loop thread's appends wait for its own CommitInline, which makes them durable") {
  TempDir dir;
  FileControl c;
  GroupCommitOptions o = Options(dir.path(), &c);
  std::thread::id durable_on;
  o.on_durable = [&, inner = o.on_durable](uint64_t lsn) {
    durable_on = std::this_thread::get_id();
    inner(lsn);
  };
  GroupCommit gc(std::move(o), 1);
  c.committer = &gc;
  gc.Start();
  OnLoopThread([&] {
    CHECK_FALSE(gc.CommitInline());  // appended nothing
    AppendNumbered(gc, 1, 3);
    // The commit thread was not woken: the batch is this loop's to commit before it sleeps.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK(gc.durable_lsn() == 0);
    CHECK(gc.CommitInline());
    CHECK(gc.durable_lsn() == 3);
    CHECK(c.synced_lsn == 3);
    CHECK(durable_on == std::this_thread::get_id());  // its replies go out without a wake-up
    CHECK_FALSE(gc.CommitInline());
  });
  // Appends from other threads still wake the commit thread.
  gc.Append(Payload(4));
  CHECK(c.WaitFor([&] { return c.durable_seen == 4; }));
  CHECK(gc.Stop().ok());
  CheckLogHoldsExactly(dir.path(), 4);
  CHECK(c.durable_ahead_of_sync == 0);
}

TEST_CASE("SyncThrough takes over a batch a loop left to commit itself (that loop may wait for "
          "the caller)") {
  TempDir dir;
  FileControl c;
  GroupCommit gc(Options(dir.path(), &c), 1);
  c.committer = &gc;
  gc.Start();
  // The loop appends and, before its CommitInline, would block on a lock the caller holds.
  OnLoopThread([&] { AppendNumbered(gc, 1, 3); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(gc.durable_lsn() == 0);  // still the loop's batch
  CHECK(gc.SyncThrough(3).ok());  // without the take-over this waits for ever
  CHECK(c.synced_lsn == 3);
  CHECK(c.WaitFor([&] { return gc.durable_lsn() == 3; }));  // published just after the sync
  CHECK(gc.Stop().ok());
  CheckLogHoldsExactly(dir.path(), 3);
}

// Loop A leads batch {1} and blocks in its sync; loop B then appends `b_records` and calls
// CommitInline. Returns what B's call returned and lets everything finish.
bool SecondLoopWhileFirstSyncs(GroupCommit& gc, FileControl& c, uint64_t b_records) {
  std::thread a([&] {
    GroupCommit::CommitsInlineOnThisThread();
    gc.Append(Payload(1));
    CHECK(gc.CommitInline());
  });
  REQUIRE(c.WaitFor([&] { return c.syncs_started == 1; }));
  std::atomic<bool> b_done{false};
  bool b_led = false;
  std::thread b([&] {
    GroupCommit::CommitsInlineOnThisThread();
    AppendNumbered(gc, 2, 1 + b_records);
    b_led = gc.CommitInline();
    b_done = true;
  });
  if (b_records < 8) {
    REQUIRE(c.WaitFor([&] { return b_done.load(); }));  // returned at once: not its turn
  } else {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK_FALSE(b_done.load());  // follows the writer, to lead the next batch
  }
  c.Change([&] {
    c.block_syncs = false;
    c.syncs_released = 100;
  });
  a.join();
  b.join();
  REQUIRE(c.WaitFor([&] { return c.durable_seen == 1 + b_records; }));
  return b_led;
}

TEST_CASE("a loop finding the log busy leaves a small batch to the commit thread, and waits "
          "to lead a large one") {
  TempDir dir;
  FileControl c;
  c.block_syncs = true;
  GroupCommit gc(Options(dir.path(), &c), 1);
  c.committer = &gc;
  gc.Start();
  uint64_t b_records = 0;
  SUBCASE("small") {
    b_records = 2;
    CHECK_FALSE(SecondLoopWhileFirstSyncs(gc, c, b_records));
  }
  SUBCASE("large") {
    b_records = 10;
    CHECK(SecondLoopWhileFirstSyncs(gc, c, b_records));
  }
  CHECK(gc.stats().batches == 2);
  CHECK(gc.stats().max_batch_records == b_records);
  CHECK(gc.Stop().ok());
  CheckLogHoldsExactly(dir.path(), 1 + b_records);
  CHECK(c.durable_ahead_of_sync == 0);
}

TEST_CASE("a leader whose sync fails hands the batch to the commit thread, which retries it") {
  TempDir dir;
  FileControl c;
  GroupCommit gc(Options(dir.path(), &c), 1);
  c.committer = &gc;
  gc.Start();
  c.Change([&] { c.sync_error = EIO; });
  OnLoopThread([&] {
    AppendNumbered(gc, 1, 2);
    CHECK_FALSE(gc.CommitInline());  // returns: retrying is not a loop's job
    CHECK(gc.failed());
    AppendNumbered(gc, 3, 12);
    CHECK_FALSE(gc.CommitInline());  // the log is failing: nobody waits on the writer
  });
  REQUIRE(c.WaitFor([&] { return c.failed_syncs >= 3; }));
  CHECK(gc.durable_lsn() == 0);
  c.Change([&] { c.sync_error = 0; });
  REQUIRE(c.WaitFor([&] { return c.durable_seen == 12; }));
  CHECK_FALSE(gc.failed());
  CHECK(gc.Stop().ok());
  CheckLogHoldsExactly(dir.path(), 12);
  CHECK(c.durable_ahead_of_sync == 0);
}

TEST_CASE("WAL segment files are zeroed ahead of the records and read back clean") {
  TempDir dir;
  FileControl c;
  {
    GroupCommit gc(Options(dir.path(), &c), 1);
    gc.Start();
    AppendNumbered(gc, 1, 5);
    CHECK(gc.Stop().ok());
  }
  std::string first = dir.path() + "/" + wal::SegmentName(1);
  CHECK(std::filesystem::file_size(first) >= kWalZeroAheadBytes);
  CheckLogHoldsExactly(dir.path(), 5);
  // A restart whose next LSN names an existing segment (created, then a crash before its
  // first record) starts that file afresh: the new records are not written after its zeros.
  std::string next = dir.path() + "/" + wal::SegmentName(6);
  {
    std::unique_ptr<LogFile> f = OpenWalSegmentFile(next).value();
    REQUIRE(f->Append(wal::SegmentHeader()).ok());
  }
  {
    GroupCommit gc(Options(dir.path(), &c), 6);
    gc.Start();
    AppendNumbered(gc, 6, 7);
    CHECK(gc.Stop().ok());
  }
  CheckLogHoldsExactly(dir.path(), 7);
}

}  // namespace
}  // namespace cairn::store
