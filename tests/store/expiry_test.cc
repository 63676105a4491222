// tests/store/expiry_test.cc — keys with a TTL: invisible once expired (lazy expiry), deleted
// without being touched (active expiry), and TTLs kept, replaced or cleared as Redis does.
#include <doctest/doctest.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>

#include "store/store.h"
#include "tests/store/store_testing.h"

namespace cairn::store {
namespace {

using testing::Exists;
using testing::ExpireAt;
using testing::Get;
using testing::Keys;
using testing::Set;
using testing::StringValue;

constexpr int64_t kMinute = 60 * 1000;

// Runs active expiry until nothing with a TTL is left to check, or gives up.
size_t ExpireAll(Store& store) {
  size_t total = 0;
  for (int i = 0; i < 1000; ++i) {
    size_t n = store.ExpireCycle(1000 * 1000);
    total += n;
    if (n == 0) break;
  }
  return total;
}

TEST_CASE("a key with a TTL is readable until it expires") {
  Store store;
  Set(store, "session", "data", store.NowMs() + kMinute);
  CHECK(Get(store, "session") == "data");
  store.AdvanceClockForTesting(kMinute / 2);
  CHECK(Get(store, "session") == "data");
}

TEST_CASE("an expired key is gone when next read, and counted as expired") {
  Store store;
  Set(store, "session", "data", store.NowMs() + kMinute);
  Set(store, "forever", "data");
  uint64_t expired_before = store.expired_keys();
  store.AdvanceClockForTesting(2 * kMinute);
  // Until something touches it, the key still counts (DBSIZE, as Redis).
  CHECK(store.Stats(0).keys == 2);
  CHECK_FALSE(Get(store, "session").has_value());
  CHECK(store.expired_keys() == expired_before + 1);
  CHECK(store.Stats(0).keys == 1);
  CHECK(store.Stats(0).expires == 0);
  CHECK(Get(store, "forever") == "data");
}

TEST_CASE("a key whose expiry time has been reached is expired") {
  Store store;
  int64_t now = store.NowMs();
  Set(store, "k", "v", now - 1);
  CHECK_FALSE(Exists(store, "k"));
}

TEST_CASE("expired keys cannot be deleted or taken, and do not show in listings") {
  Store store;
  for (int i = 0; i < 50; ++i) Set(store, "gone" + std::to_string(i), "v", store.NowMs() + kMinute);
  Set(store, "kept", "v");
  store.AdvanceClockForTesting(2 * kMinute);
  CHECK(Keys(store) == std::set<std::string>{"kept"});
  int scanned = 0;
  uint64_t cursor = 0;
  do {
    cursor = store.Scan(0, cursor, 100, [&](const Entry& e) {
      ++scanned;
      CHECK(e.key() == "kept");
    });
  } while (cursor != 0);
  CHECK(scanned == 1);
  for (int i = 0; i < 20; ++i) {
    std::string key;
    REQUIRE(store.RandomKey(0, &key));
    CHECK(key == "kept");
  }
  CHECK_FALSE(store.Access(0, "gone1", [](KeyHandle& h) { return h.Delete(); }));
  Value v;
  int64_t at = 0;
  CHECK_FALSE(store.Access(0, "gone2", [&](KeyHandle& h) { return h.Take(&v, &at); }));
}

TEST_CASE("random key is false when every key has expired") {
  Store store;
  Set(store, "a", "v", store.NowMs() + kMinute);
  store.AdvanceClockForTesting(2 * kMinute);
  std::string key;
  CHECK_FALSE(store.RandomKey(0, &key));
}

TEST_CASE("scan hands the expired keys it meets to met_expired, and ExpireIfDue deletes them") {
  Store store;
  for (int i = 0; i < 10; ++i) Set(store, "gone" + std::to_string(i), "v", store.NowMs() + kMinute);
  Set(store, "kept", "v");
  Set(store, "later", "v", store.NowMs() + 10 * kMinute);
  store.AdvanceClockForTesting(2 * kMinute);
  std::set<std::string> live, met;
  uint64_t cursor = 0;
  do {
    cursor = store.Scan(
        0, cursor, 100, [&](const Entry& e) { live.emplace(e.key()); },
        [&](const Entry& e) { met.emplace(e.key()); });
  } while (cursor != 0);
  CHECK(live == std::set<std::string>{"kept", "later"});
  CHECK(met.size() == 10);
  CHECK(store.Stats(0).keys == 12);  // only met: still stored
  uint64_t expired_before = store.expired_keys();
  for (const std::string& key : met) store.ExpireIfDue(0, key);
  store.ExpireIfDue(0, "later");  // not due: kept
  CHECK(store.Stats(0).keys == 2);
  CHECK(store.expired_keys() == expired_before + 10);
}

TEST_CASE("random key with `expired` may pick a key past its deadline, and says so") {
  Store store;
  Set(store, "gone", "v", store.NowMs() + kMinute);
  store.AdvanceClockForTesting(2 * kMinute);
  std::string key;
  bool expired = false;
  REQUIRE(store.RandomKey(0, &key, &expired));
  CHECK(key == "gone");
  CHECK(expired);
  store.ExpireIfDue(0, key);
  CHECK_FALSE(store.RandomKey(0, &key, &expired));
  Set(store, "live", "v");
  REQUIRE(store.RandomKey(0, &key, &expired));
  CHECK(key == "live");
  CHECK_FALSE(expired);
}

TEST_CASE("active expiry deletes expired keys nobody reads and leaves the rest") {
  Store store;
  const int64_t soon = store.NowMs() + kMinute;
  const int64_t later = store.NowMs() + 60 * kMinute;
  for (int i = 0; i < 1000; ++i) {
    Set(store, "soon" + std::to_string(i), "v", soon);
    Set(store, "later" + std::to_string(i), "v", later);
    Set(store, "never" + std::to_string(i), "v");
  }
  CHECK(store.ExpireCycle(1000 * 1000) == 0);  // nothing is due yet
  store.AdvanceClockForTesting(2 * kMinute);
  uint64_t expired_before = store.expired_keys();
  CHECK(ExpireAll(store) == 1000);
  CHECK(store.expired_keys() == expired_before + 1000);
  DbStats stats = store.Stats(0);
  CHECK(stats.keys == 2000);
  CHECK(stats.expires == 1000);
  CHECK(Get(store, "later7") == "v");
  CHECK(Get(store, "never7") == "v");
  CHECK(ExpireAt(store, "later7") == later);
  CHECK(ExpireAt(store, "never7") == 0);
}

TEST_CASE("active expiry covers every database") {
  Store store;
  int64_t soon = store.NowMs() + kMinute;
  for (int db = 0; db < store.databases(); ++db) {
    for (int i = 0; i < 20; ++i) Set(store, "k" + std::to_string(i), "v", soon, db);
    Set(store, "stay", "v", 0, db);
  }
  store.AdvanceClockForTesting(2 * kMinute);
  CHECK(ExpireAll(store) == static_cast<size_t>(20 * store.databases()));
  for (int db = 0; db < store.databases(); ++db) {
    CHECK(store.Stats(db).keys == 1);
    CHECK(store.Stats(db).expires == 0);
  }
}

TEST_CASE("active expiry with no time budget still progresses from call to call") {
  Store store;
  int64_t soon = store.NowMs() + kMinute;
  for (int i = 0; i < 2000; ++i) Set(store, "k" + std::to_string(i), "v", soon);
  store.AdvanceClockForTesting(2 * kMinute);
  size_t total = 0;
  for (int call = 0; call < 100000 && total < 2000; ++call) total += store.ExpireCycle(0);
  CHECK(total == 2000);
  CHECK(store.Stats(0).keys == 0);
}

TEST_CASE("setting a key without a TTL clears the old TTL") {
  Store store;
  Set(store, "k", "v1", store.NowMs() + kMinute);
  Set(store, "k", "v2", 0);
  CHECK(ExpireAt(store, "k") == 0);
  CHECK(store.Stats(0).expires == 0);
  store.AdvanceClockForTesting(2 * kMinute);
  CHECK(Get(store, "k") == "v2");
}

TEST_CASE("setting a key with KEEPTTL keeps the old TTL") {
  Store store;
  int64_t at = store.NowMs() + kMinute;
  Set(store, "k", "v1", at);
  Set(store, "k", "v2", kKeepTtl);
  CHECK(Get(store, "k") == "v2");
  CHECK(ExpireAt(store, "k") == at);
  CHECK(store.Stats(0).expires == 1);
  store.AdvanceClockForTesting(2 * kMinute);
  CHECK_FALSE(Exists(store, "k"));
}

TEST_CASE("KEEPTTL on a new key creates it without a TTL") {
  Store store;
  Set(store, "k", "v", kKeepTtl);
  CHECK(ExpireAt(store, "k") == 0);
  CHECK(store.Stats(0).expires == 0);
}

TEST_CASE("a new TTL replaces the old one") {
  Store store;
  int64_t first = store.NowMs() + kMinute;
  int64_t second = store.NowMs() + 10 * kMinute;
  Set(store, "k", "v", first);
  Set(store, "k", "v", second);
  CHECK(ExpireAt(store, "k") == second);
  CHECK(store.Stats(0).expires == 1);
  store.AdvanceClockForTesting(2 * kMinute);
  CHECK(Exists(store, "k"));
}

TEST_CASE("EXPIRE and PERSIST change a key's TTL and the count of keys with one") {
  Store store;
  Set(store, "k", "v");
  int64_t at = store.NowMs() + kMinute;
  store.Access(0, "k", [&](KeyHandle& h) { h.SetExpire(h.Find(), at); });
  CHECK(ExpireAt(store, "k") == at);
  CHECK(store.Stats(0).expires == 1);
  store.Access(0, "k", [](KeyHandle& h) { h.SetExpire(h.Find(), 0); });
  CHECK(ExpireAt(store, "k") == 0);
  CHECK(store.Stats(0).expires == 0);
  store.AdvanceClockForTesting(2 * kMinute);
  CHECK(Exists(store, "k"));
}

TEST_CASE("an expiry set in the past removes the key on its next access") {
  Store store;
  Set(store, "k", "v");
  store.Access(0, "k", [&](KeyHandle& h) { h.SetExpire(h.Find(), h.now_ms() - 1); });
  CHECK_FALSE(Exists(store, "k"));
  CHECK(store.Stats(0).keys == 0);
}

TEST_CASE("setting an expired key creates a fresh key without the old TTL") {
  Store store;
  Set(store, "k", "old", store.NowMs() + kMinute);
  store.AdvanceClockForTesting(2 * kMinute);
  uint64_t expired_before = store.expired_keys();
  Set(store, "k", "new");
  CHECK(store.expired_keys() == expired_before + 1);
  CHECK(Get(store, "k") == "new");
  CHECK(ExpireAt(store, "k") == 0);
  CHECK(store.Stats(0).keys == 1);
  CHECK(store.Stats(0).expires == 0);
}

TEST_CASE("a value read before its key expired stays readable") {
  Store store;
  Set(store, "k", "still here", store.NowMs() + kMinute);
  BufRef held = store.Access(0, "k", [](KeyHandle& h) { return h.Find()->value.str; });
  store.AdvanceClockForTesting(2 * kMinute);
  CHECK(ExpireAll(store) == 1);
  CHECK(held.view() == "still here");
}

TEST_CASE("the store clock moves forward by what a test asks for") {
  Store store;
  int64_t before = store.NowMs();
  store.AdvanceClockForTesting(24 * 60 * kMinute);
  CHECK(store.NowMs() >= before + 24 * 60 * kMinute);
  store.Access(0, "k", [&](KeyHandle& h) { CHECK(h.now_ms() >= before + 24 * 60 * kMinute); });
}

TEST_CASE("inside a command's clock the time holds still: a deadline 1 ms ahead is not past") {
  Store store;
  int64_t at_ms = 0;
  {
    Store::CommandClock clock;
    at_ms = store.NowMs() + 1;  // SET k v PX 1
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    CHECK(store.NowMs() == at_ms - 1);
    CHECK_FALSE(store.Access(0, "k", [&](KeyHandle& h) { return h.ExpiresAtOnce(at_ms); }));
    Set(store, "k", "v", at_ms);
    {
      Store::CommandClock nested;  // a transaction's or a script's command: the same time
      CHECK(Exists(store, "k"));
    }
    CHECK(Exists(store, "k"));
  }
  // Outside, the clock runs again: the key has expired.
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK(store.NowMs() > at_ms);
  CHECK_FALSE(Exists(store, "k"));
  {
    Store::CommandClock next;  // the next command reads the clock afresh
    CHECK(store.NowMs() > at_ms);
  }
}

}  // namespace
}  // namespace cairn::store
