// tests/server/replay_queue_test.cc — ReplayQueue: records logged by a live store and replayed
// through the queue leave the same keys, in the same order of changes, within a run of kBatch
// and across runs; a record that does not apply is reported with its own LSN, segment and
// offset, and the ones after it are applied or not as the failure handler says.
#include "src/exec/replay_queue.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "store/durability/wal_format.h"
#include "store/store.h"
#include "tests/store/store_testing.h"

namespace cairn::server {
namespace {

using store::KeyHandle;
using store::Store;
using store::testing::Get;
using Recorder = store::testing::RecordingJournal;

// 50 records: key:<i> = v<i>, and every fifth an APPEND to "order", whose final value shows
// that the appends ran in log order.
std::vector<std::string> LoggedRecords() {
  Recorder journal;
  Store live;
  live.set_journal(&journal);
  for (int i = 0; i < 50; ++i) {
    std::string key = i % 5 == 4 ? "order" : "key:" + std::to_string(i);
    live.Access(0, key, [&](KeyHandle& h) {
      if (i % 5 != 4) {
        h.Put(store::Value(store::BufRef::Copy("v" + std::to_string(i))), 0);
      } else if (store::Entry* e = h.Find()) {
        h.Append(e, std::to_string(i) + ",");
      } else {
        h.Put(store::Value(store::BufRef::Copy(std::to_string(i) + ",")), 0);
      }
    });
  }
  return journal.records;
}

store::wal::WalRecord At(const std::vector<std::string>& payloads, size_t i) {
  const char* segment = i < 20 ? "wal-1.log" : "wal-21.log";
  return {store::wal::kEffects, i + 1, payloads[i], segment, 100 * i};
}

TEST_CASE("records replayed through the queue leave the keys the log made, in its order") {
  std::vector<std::string> payloads = LoggedRecords();
  REQUIRE(payloads.size() == 50);  // 50 = three full runs and two left for Flush
  Store replayed;
  int failures = 0;
  ReplayQueue queue(replayed, [&](const store::wal::WalRecord&, const Status&) {
    ++failures;
    return false;
  });
  for (size_t i = 0; i < payloads.size(); ++i) REQUIRE(queue.Add(At(payloads, i)));
  CHECK(Get(replayed, "key:48") == std::nullopt);  // not applied before Flush
  REQUIRE(queue.Flush());
  CHECK(failures == 0);
  for (int i = 0; i < 50; ++i) {
    if (i % 5 != 4) CHECK(Get(replayed, "key:" + std::to_string(i)) == "v" + std::to_string(i));
  }
  CHECK(Get(replayed, "order") == "4,9,14,19,24,29,34,39,44,49,");
}

TEST_CASE("a record that does not apply is named, and the handler decides what comes after") {
  std::vector<std::string> payloads = LoggedRecords();
  payloads[22] = "\xfe";  // no such op: does not decode

  for (bool skip : {false, true}) {
    CAPTURE(skip);
    Store replayed;
    std::vector<std::string> named;
    ReplayQueue queue(replayed, [&](const store::wal::WalRecord& r, const Status& error) {
      named.push_back(std::to_string(r.lsn) + " " + std::string(r.segment) + " " +
                      std::to_string(r.offset) + " " + std::string(error.message()));
      return skip;
    });
    bool going = true;
    size_t added = 0;
    for (; added < payloads.size() && going; ++added) going = queue.Add(At(payloads, added));
    if (going) going = queue.Flush();
    REQUIRE(named.size() == 1);
    CHECK(named[0].rfind("23 wal-21.log 2200 ", 0) == 0);
    CHECK(going == skip);
    CHECK(Get(replayed, "key:21") == "v21");  // before the bad one, in its run
    if (skip) {
      CHECK(added == payloads.size());
      CHECK(Get(replayed, "key:23") == "v23");
      CHECK(Get(replayed, "key:48") == "v48");
    } else {
      CHECK(added == 32);  // the run of 16 holding it was the last one read
      CHECK(Get(replayed, "key:23") == std::nullopt);
    }
  }
}

TEST_CASE("a record larger than the queue holds is applied in its place in the log's order") {
  Recorder journal;
  Store live;
  live.set_journal(&journal);
  std::string big(ReplayQueue::kMaxQueuedBytes + 1000, 'B');
  std::vector<std::string> tails = {"a", "b", big, "c", big, big, "d"};
  for (const std::string& tail : tails) {
    live.Access(0, "order", [&](KeyHandle& h) {
      if (store::Entry* e = h.Find()) {
        h.Append(e, tail);
      } else {
        h.Put(store::Value(store::BufRef::Copy(tail)), 0);
      }
    });
  }
  Store replayed;
  ReplayQueue queue(replayed, [](const store::wal::WalRecord&, const Status&) { return false; });
  for (size_t i = 0; i < journal.records.size(); ++i) REQUIRE(queue.Add(At(journal.records, i)));
  REQUIRE(queue.Flush());
  CHECK(Get(replayed, "order") == "ab" + big + "c" + big + big + "d");
}

}  // namespace
}  // namespace cairn::server
