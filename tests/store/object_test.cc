// tests/store/object_test.cc — the collection machinery every family relies on, with a tiny
// test-only collection: copy-on-write when a snapshot capture or COPY shares an object,
// DeleteIfEmpty, family ops logged in the same record, WATCH flags set by every kind of change,
// and Store::Atomically holding its shards and logging one record.
#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "store/journal.h"
#include "store/store.h"
#include "tests/store/store_testing.h"

namespace cairn::store {
namespace {

using testing::RecordingJournal;

using testing::Set;

// A bag of strings: enough of a collection to exercise the generic paths.
class Bag final : public Object {
 public:
  Bag() : Object(ValueType::kList) {}
  std::vector<std::string> items;
  size_t size() const override { return items.size(); }
  ObjRef Clone() const override {
    auto* b = new Bag;
    b->items = items;
    ++clones;
    return ObjRef(b);
  }
  std::string_view encoding() const override { return "bag"; }
  size_t memory_bytes() const override { return sizeof(*this); }
  void Encode(std::string* out) const override {
    for (const std::string& s : items) *out += s + ",";
  }
  static inline int clones = 0;
};

void Push(Store& store, std::string_view key, std::string item) {
  store.Access(0, key, [&](KeyHandle& h) {
    Entry* e = h.Find();
    if (e == nullptr) e = h.CreateObject(ObjRef(new Bag));
    static_cast<Bag*>(h.MutableObject(e))->items.push_back(item);
    h.LogObjectOp(ValueType::kList, item);
  });
}

std::vector<std::string> Items(Store& store, std::string_view key) {
  return store.Access(0, key, [&](KeyHandle& h) {
    Entry* e = h.Find();
    if (e == nullptr) return std::vector<std::string>();
    return static_cast<const Bag*>(e->value.obj.get())->items;
  });
}

}  // namespace

TEST_CASE("a collection shared by a snapshot capture is cloned before it changes") {
  Store store;
  Push(store, "k", "a");
  Capture capture(Store::kShards);
  REQUIRE(store.StartCapture(&capture));
  int clones_before = Bag::clones;
  Push(store, "k", "b");  // captures the shard first, then clones the shared bag
  CHECK(Bag::clones == clones_before + 1);
  Push(store, "k", "c");  // no longer shared: changed in place
  CHECK(Bag::clones == clones_before + 1);
  std::vector<std::string> captured;
  for (auto& shard : capture.entries) {
    for (CapturedEntry& e : shard) captured = static_cast<Bag*>(e.value.obj.get())->items;
  }
  store.FinishCapture();
  CHECK(captured == std::vector<std::string>{"a"});
  CHECK(Items(store, "k") == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("COPY shares a collection until either key changes it") {
  Store store;
  Push(store, "src", "a");
  KeyRef refs[] = {{0, "src"}, {0, "dst"}};
  store.AccessMany(refs, [](std::span<KeyHandle> h) { h[0].CopyTo(h[1]); });
  Push(store, "dst", "b");
  Push(store, "src", "c");
  CHECK(Items(store, "src") == std::vector<std::string>{"a", "c"});
  CHECK(Items(store, "dst") == std::vector<std::string>{"a", "b"});
}

TEST_CASE("DeleteIfEmpty removes a key whose collection became empty") {
  Store store;
  Push(store, "k", "a");
  store.Access(0, "k", [](KeyHandle& h) {
    Entry* e = h.Find();
    CHECK_FALSE(h.DeleteIfEmpty(e));
    static_cast<Bag*>(h.MutableObject(e))->items.clear();
    CHECK(h.DeleteIfEmpty(e));
    CHECK(h.Find() == nullptr);
  });
}

TEST_CASE("family ops of one Access are one record, and replay stays unlogged") {
  Store store;
  RecordingJournal journal;
  store.set_journal(&journal);
  store.Access(0, "k", [](KeyHandle& h) {
    Entry* e = h.CreateObject(ObjRef(new Bag));
    static_cast<Bag*>(h.MutableObject(e))->items = {"a", "b"};
    h.LogObjectOp(ValueType::kList, "a");
    h.LogObjectOp(ValueType::kList, "b");
  });
  REQUIRE(journal.records.size() == 1);
  CHECK(journal.records[0].find('a') != std::string::npos);
  CHECK(journal.records[0].find('b') != std::string::npos);
  store.set_journal(nullptr);
}

TEST_CASE("a whole collection put with Put is logged and replayed as one object") {
  Store store;
  RecordingJournal journal;
  store.set_journal(&journal);
  store.Access(0, "k", [](KeyHandle& h) {
    auto* bag = new Bag;
    bag->items = {"x", "y"};
    h.Put(Value(ObjRef(bag)), 0);
  });
  REQUIRE(journal.records.size() == 1);
  CHECK(journal.records[0].find("x,y,") != std::string::npos);  // the object's encoding
  store.set_journal(nullptr);
}

TEST_CASE("a WATCH flag is set by writes, deletes, expiry, flushes and collection changes") {
  Store store;
  WatchFlag flag;
  auto watch = [&](std::string_view key) {
    flag.dirty = false;
    store.Access(0, key, [&](KeyHandle& h) { h.Watch(&flag); });
  };
  auto unwatch = [&](std::string_view key) {
    store.Access(0, key, [&](KeyHandle& h) { h.Unwatch(&flag); });
  };
  Set(store, "s", "1");
  Push(store, "l", "a");

  watch("s");
  Set(store, "other", "x");
  CHECK_FALSE(flag.dirty);
  Set(store, "s", "2");
  CHECK(flag.dirty);
  unwatch("s");

  watch("l");
  Push(store, "l", "b");
  CHECK(flag.dirty);
  unwatch("l");

  watch("s");
  store.Access(0, "s", [](KeyHandle& h) { h.Delete(); });
  CHECK(flag.dirty);
  unwatch("s");

  Set(store, "t", "1", store.NowMs() + 1000);
  watch("t");
  store.AdvanceClockForTesting(2000);
  store.ExpireCycle(1000000);  // active expiry deletes it
  CHECK(flag.dirty);
  unwatch("t");

  Set(store, "u", "1");
  watch("u");
  watch("missing");
  store.FlushDb(0);
  CHECK(flag.dirty);
  unwatch("u");
  unwatch("missing");

  watch("missing");
  Set(store, "v", "1");
  store.FlushAll();
  CHECK_FALSE(flag.dirty);  // FLUSHALL spares watches on keys that did not exist
  unwatch("missing");

  Set(store, "w", "1");
  watch("w");
  unwatch("w");
  Set(store, "w", "2");
  CHECK_FALSE(flag.dirty);  // after Unwatch nothing is reported
}

TEST_CASE("Atomically logs every change as one record and excludes other threads") {
  Store store;
  RecordingJournal journal;
  store.set_journal(&journal);
  Set(store, "a", "0");
  Set(store, "b", "0");
  size_t before = journal.records.size();
  KeyRef keys[] = {{0, "a"}, {0, "b"}};
  store.Atomically(keys, false, [&] {
    Set(store, "a", "1");
    Set(store, "b", "1");
    store.Access(0, "a", [](KeyHandle& h) { h.Delete(); });
  });
  CHECK(journal.records.size() == before + 1);

  store.Atomically({}, true, [&] {
    store.FlushAll();
    Set(store, "c", "1");
    CHECK(store.Stats(0).keys == 1);
  });
  CHECK(journal.records.size() == before + 2);
  store.set_journal(nullptr);

  // Another thread writing both keys one at a time never shows a transaction a mix.
  Set(store, "a", "0");
  Set(store, "b", "0");
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 1; !stop.load(); ++i) {
      KeyRef pair[] = {{0, "a"}, {0, "b"}};
      store.AccessMany(pair, [&](std::span<KeyHandle> h) {
        for (KeyHandle& k : h) {
          k.Put(Value(BufRef::Copy(std::to_string(i))), 0);
        }
      });
    }
  });
  int mixed = 0;
  for (int i = 0; i < 2000; ++i) {
    store.Atomically(keys, false, [&] {
      if (testing::Get(store, "a") != testing::Get(store, "b")) ++mixed;
    });
  }
  stop.store(true);
  writer.join();
  CHECK(mixed == 0);
}

}  // namespace cairn::store
