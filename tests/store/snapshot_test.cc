// tests/store/snapshot_test.cc — snapshots: a cut at one LSN taken while writers run, so the
// snapshot plus the log after the cut restores every change exactly once.
#include "store/durability/snapshot.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/durability/group_commit.h"
#include "store/durability/wal_reader.h"
#include "store/durability/wal_writer.h"
#include "store/effects.h"
#include "store/store.h"
#include "tests/store/store_testing.h"
#include "tests/support/temp_dir.h"

namespace cairn::store {
namespace {

using testing::ExpireAt;
using testing::Get;
using testing::Keys;
using testing::Set;

using cairn::test::TempDir;

// Every key, value and expiry of every database.
std::map<std::string, std::string> Dump(Store& store) {
  std::map<std::string, std::string> out;
  for (int db = 0; db < store.databases(); ++db) {
    store.ForEach(db, [&](const Entry& e) {
      out[std::to_string(db) + "/" + std::string(e.key())] =
          std::string(e.value.str.view()) + "@" + std::to_string(e.expire_at_ms);
    });
  }
  return out;
}

// A fresh store from dir: the snapshot, then the log after its cut.
void Recover(Store& store, const std::string& dir) {
  Result<SnapshotInfo> snap = LoadSnapshot(store, dir);
  REQUIRE(snap.ok());
  wal::WalReadResult r = wal::ReadWal(
      dir, snap->lsn,
      [&](const wal::WalRecord& rec) { return ApplyEffects(store, rec.payload).ok(); }, nullptr);
  REQUIRE(r.ok());
}

TEST_CASE("a snapshot round-trips keys, values, expiries and databases") {
  TempDir dir;
  Store store;
  Set(store, "plain", "v");
  Set(store, "ttl", "t", 4102444800000);  // year 2100
  Set(store, "other-db", "x", 0, 5);
  Set(store, std::string("bin\0ary", 7), std::string("\r\n\0", 3));
  Result<SnapshotInfo> w = WriteSnapshot(store, dir.path());
  REQUIRE(w.ok());
  CHECK(w->keys == 4);
  CHECK(w->changes == 4);  // the writes it holds: the `save` schedule counts from here
  Store loaded;
  REQUIRE(LoadSnapshot(loaded, dir.path()).ok());
  CHECK(Dump(loaded) == Dump(store));
  CHECK(ExpireAt(loaded, "ttl") == 4102444800000);
}

TEST_CASE("a snapshot's header carries each database's key count at the cut") {
  TempDir dir;
  Store store;
  for (int i = 0; i < 300; ++i) Set(store, "k" + std::to_string(i), "v");
  Set(store, "other-db", "x", 0, 5);
  REQUIRE(WriteSnapshot(store, dir.path()).ok());
  FILE* f = std::fopen((dir.path() + "/snapshot.cairn").c_str(), "rb");
  REQUIRE(f != nullptr);
  unsigned char head[24 + 16 * 8];
  REQUIRE(std::fread(head, 1, sizeof(head), f) == sizeof(head));
  std::fclose(f);
  auto le = [&](size_t at, int bytes) {  // little-endian
    uint64_t v = 0;
    for (int b = bytes - 1; b >= 0; --b) v = v << 8 | head[at + b];
    return v;
  };
  auto u64 = [&](size_t at) { return le(at, 8); };
  CHECK(le(8, 4) == 2);    // version
  CHECK(le(20, 4) == 16);  // databases
  CHECK(u64(24) == 300);
  CHECK(u64(24 + 5 * 8) == 1);
  CHECK(u64(24 + 1 * 8) == 0);
  Store loaded;
  REQUIRE(LoadSnapshot(loaded, dir.path()).ok());
  CHECK(Dump(loaded) == Dump(store));
}

TEST_CASE("a snapshot of values larger than a read, straddling reads, round-trips") {
  // The loader reads the file through a window of 1 MB reads (file_window.h): values of
  // several reads, values cut by a read's end, and small keys between them.
  TempDir dir;
  Store store;
  for (int i = 0; i < 12; ++i) {
    size_t size = (i % 3 == 0) ? (size_t{3} << 20) + 17 * i : (700 << 10) + 4099 * i;
    Set(store, "big" + std::to_string(i), std::string(size, static_cast<char>('a' + i)));
    Set(store, "small" + std::to_string(i), std::to_string(i));
  }
  REQUIRE(WriteSnapshot(store, dir.path()).ok());
  Store loaded;
  Result<SnapshotInfo> info = LoadSnapshot(loaded, dir.path());
  REQUIRE(info.ok());
  CHECK(info->keys == 24);
  CHECK(Dump(loaded) == Dump(store));
}

TEST_CASE("a snapshot load counts the keys whose TTL has run out") {
  TempDir dir;
  Store store;
  int64_t in_a_minute = store.NowMs() + 60000;
  Set(store, "plain", "v");
  Set(store, "soon", "s", in_a_minute);
  Set(store, "later", "l", 4102444800000);  // year 2100
  REQUIRE(WriteSnapshot(store, dir.path()).ok());
  Store now;
  Result<SnapshotInfo> r = LoadSnapshot(now, dir.path());
  REQUIRE(r.ok());
  CHECK(r->keys == 3);
  CHECK(r->expired == 0);
  Store in_two_minutes;
  in_two_minutes.AdvanceClockForTesting(120000);
  r = LoadSnapshot(in_two_minutes, dir.path());
  REQUIRE(r.ok());
  CHECK(r->keys == 3);
  CHECK(r->expired == 1);
  CHECK(!Get(in_two_minutes, "soon").has_value());  // loaded, and expired when met
  CHECK(Get(in_two_minutes, "later").has_value());
}

TEST_CASE("a snapshot calls its per-key hook once after each key it writes") {
  TempDir dir;
  Store store;
  for (int i = 0; i < 5; ++i) Set(store, "k" + std::to_string(i), "v", 0, i % 2);
  int calls = 0;
  Result<SnapshotInfo> w = WriteSnapshot(store, dir.path(), {[&] { ++calls; }});
  REQUIRE(w.ok());
  CHECK(calls == 5);
  CHECK(w->keys == 5);
}

TEST_CASE("a cancelled snapshot stops after the key it is at and leaves the previous one") {
  TempDir dir;
  Store store;
  Set(store, "first", "1");
  REQUIRE(WriteSnapshot(store, dir.path()).ok());
  for (int i = 0; i < 5; ++i) Set(store, "k" + std::to_string(i), "v");
  std::atomic<bool> cancel{false};
  int calls = 0;
  SnapshotOptions options;
  options.after_key = [&] {
    if (++calls == 2) cancel = true;  // as another thread would, while the second key goes
  };
  options.cancel = &cancel;
  Result<SnapshotInfo> w = WriteSnapshot(store, dir.path(), options);
  REQUIRE_FALSE(w.ok());
  CHECK(IsCancelledSnapshot(w.status()));
  CHECK(calls == 2);
  Store loaded;
  REQUIRE(LoadSnapshot(loaded, dir.path()).ok());
  CHECK(loaded.Stats(0).keys == 1);  // the snapshot before, still whole
  CHECK(::access((dir.path() + "/snapshot.cairn.tmp").c_str(), F_OK) != 0);
  CHECK(WriteSnapshot(store, dir.path()).ok());  // the capture was ended: the next one runs
}

TEST_CASE("a snapshot is published only once the log is synced through its cut") {
  TempDir dir;
  Store store;
  testing::RecordingJournal journal;
  store.set_journal(&journal);
  Set(store, "a", "1");
  Set(store, "b", "2");
  Result<SnapshotInfo> w = WriteSnapshot(store, dir.path());
  REQUIRE(w.ok());
  CHECK(w->lsn == 2);
  CHECK(journal.sync_requests == std::vector<uint64_t>{2});

  // A log that cannot be synced: the new snapshot is not published, the old one stays.
  Set(store, "c", "3");
  journal.sync_error = Status::IoError(EIO, "fdatasync");
  CHECK_FALSE(WriteSnapshot(store, dir.path()).ok());
  store.set_journal(nullptr);
  Store loaded;
  Result<SnapshotInfo> r = LoadSnapshot(loaded, dir.path());
  REQUIRE(r.ok());
  CHECK(r->lsn == 2);
  CHECK(Keys(loaded) == std::set<std::string>{"a", "b"});
  CHECK(::access((dir.path() + "/" + kSnapshotFileName + ".tmp").c_str(), F_OK) != 0);
}

TEST_CASE("a damaged snapshot is refused, not half loaded") {
  // The damage is near the end of a file of several reads: the loader checks the CRC of the
  // whole file before it stores the first key (file_window.h reads 1 MB at a time).
  TempDir dir;
  Store store;
  for (int i = 0; i < 100; ++i) Set(store, "k" + std::to_string(i), std::string(50000, 'v'));
  REQUIRE(WriteSnapshot(store, dir.path()).ok());
  std::string path = dir.path() + "/" + kSnapshotFileName;
  FILE* f = std::fopen(path.c_str(), "r+b");
  REQUIRE(f != nullptr);
  std::fseek(f, -1000, SEEK_END);
  std::fputc('#', f);
  std::fclose(f);
  Store loaded;
  Result<SnapshotInfo> r = LoadSnapshot(loaded, dir.path());
  CHECK_FALSE(r.ok());
  CHECK(r.status().message().find("snapshot.cairn") != std::string::npos);
  CHECK(Keys(loaded).empty());
}

TEST_CASE("snapshot taken during writes plus the log after its cut restores each change once") {
  TempDir dir;
  Store store;
  GroupCommitOptions options;
  options.wal.dir = dir.path();
  options.wal.segment_bytes = 4096;  // many segments, so trimming has work to do
  GroupCommit wal(options, 1);
  wal.Start();
  store.set_journal(&wal);

  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w) {
    writers.emplace_back([&, w] {
      // APPEND is not idempotent: replaying a change twice would show as a doubled token.
      for (int i = 0; !stop.load() || i < 2000; ++i) {
        std::string key = "log" + std::to_string(w) + ":" + std::to_string(i % 50);
        store.Access(0, key, [&](KeyHandle& h) {
          std::string token = std::to_string(i) + ",";
          if (Entry* e = h.Find()) {
            h.Append(e, token);
          } else {
            h.Put(testing::StringValue(token), 0);
          }
        });
        if (i % 7 == 0) store.Access(0, "r" + std::to_string(i), [](KeyHandle& h) { h.Delete(); });
      }
    });
  }
  while (wal.last_lsn() < 1000) std::this_thread::yield();
  Result<SnapshotInfo> snap = WriteSnapshot(store, dir.path());  // while the writers run
  stop = true;
  for (auto& t : writers) t.join();
  REQUIRE(snap.ok());
  CHECK(snap->lsn > 0);
  REQUIRE(wal.Stop().ok());
  CHECK(TrimWal(dir.path(), snap->lsn).ok());

  Store recovered;
  Recover(recovered, dir.path());
  CHECK(Dump(recovered) == Dump(store));
}

}  // namespace
}  // namespace cairn::store
