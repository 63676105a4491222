// tests/store/hash_object_test.cc — the hash value: both representations and the conversion
// at Redis's thresholds, copies that stay independent, the snapshot encoding, HSCAN's cursor
// guarantee across resizes, and replay of the logged ops into a fresh store.
#include <doctest/doctest.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "store/effects.h"
#include "store/journal.h"
#include "store/object_families.h"
#include "store/random.h"
#include "store/store.h"
#include "store/types/hash/hash.h"
#include "store/types/hash/hash_ops.h"
#include "tests/store/store_testing.h"

namespace cairn::store {
namespace {

using testing::RecordingJournal;

using Fields = std::map<std::string, std::string>;

Fields FieldsOf(const HashObject& h) {
  Fields out;
  h.ForEach([&](std::string_view f, std::string_view v) {
    CHECK(out.emplace(std::string(f), std::string(v)).second);
  });
  return out;
}

std::string Num(std::string_view prefix, int i) { return std::string(prefix) + std::to_string(i); }

// Everything a user could see of db 0's hashes: key -> fields, plus the encoding.
std::map<std::string, std::pair<Fields, std::string>> HashesOf(Store& store) {
  std::map<std::string, std::pair<Fields, std::string>> out;
  store.ForEach(0, [&](const Entry& e) {
    REQUIRE(e.value.type == ValueType::kHash);
    const auto* h = static_cast<const HashObject*>(e.value.obj.get());
    out[std::string(e.key())] = {FieldsOf(*h), std::string(h->encoding())};
  });
  return out;
}

size_t HSet(Store& s, std::string_view key, std::vector<std::string_view> pairs) {
  Result<size_t> added = s.Access(0, key, [&](KeyHandle& h) { return HashSetFields(h, pairs); });
  CHECK(added.ok());
  return added.ok() ? *added : 0;
}

size_t HDel(Store& s, std::string_view key, std::vector<std::string_view> fields) {
  Result<size_t> removed =
      s.Access(0, key, [&](KeyHandle& h) { return HashDeleteFields(h, fields); });
  CHECK(removed.ok());
  return removed.ok() ? *removed : 0;
}

TEST_CASE("a small hash is packed and keeps insertion order, replacing values in place") {
  HashObject h;
  CHECK(h.Set("b", "1"));
  CHECK(h.Set("a", "2"));
  CHECK_FALSE(h.Set("b", "3"));
  CHECK(h.encoding() == "listpack");
  std::vector<std::string> order;
  h.ForEach([&](std::string_view f, std::string_view v) { order.push_back(std::string(f) + "=" + std::string(v)); });
  CHECK(order == std::vector<std::string>{"b=3", "a=2"});
  std::string_view v;
  CHECK(h.Get("a", &v));
  CHECK(v == "2");
  CHECK(h.Delete("b"));
  CHECK_FALSE(h.Delete("b"));
  CHECK(h.size() == 1);
}

TEST_CASE("a hash converts to a table past 512 fields or past 64-byte fields or values") {
  HashObject many;  // Redis 7.0's defaults: hash-max-listpack-entries 512, -value 64
  for (int i = 0; i < 512; ++i) many.Set(Num("f", i), "v");
  CHECK(many.encoding() == "listpack");
  many.Set("f0", "changed");  // replacing does not grow it
  CHECK(many.encoding() == "listpack");
  many.Set("f512", "v");
  CHECK(many.encoding() == "hashtable");
  CHECK(many.size() == 513);

  HashObject long_value;
  long_value.Set("a", std::string(64, 'x'));
  CHECK(long_value.encoding() == "listpack");
  long_value.Set("b", std::string(65, 'x'));
  CHECK(long_value.encoding() == "hashtable");
  HashObject long_field;
  long_field.Set(std::string(65, 'k'), "v");
  CHECK(long_field.encoding() == "hashtable");
  CHECK(FieldsOf(long_field) == Fields{{std::string(65, 'k'), "v"}});
}

TEST_CASE("the table holds many fields, replaces, deletes and shrinks without losing any") {
  HashObject h;
  h.ConvertToTable();
  Fields expect;
  for (int i = 0; i < 5000; ++i) {
    CHECK(h.Set(Num("field:", i), Num("value:", i)));
    expect[Num("field:", i)] = Num("value:", i);
  }
  CHECK_FALSE(h.Set("field:7", "seven"));
  expect["field:7"] = "seven";
  CHECK(h.Set("", ""));  // empty field and value are legal
  expect[""] = "";
  for (int i = 100; i < 4990; ++i) {
    CHECK(h.Delete(Num("field:", i)));
    expect.erase(Num("field:", i));
  }
  CHECK(FieldsOf(h) == expect);
  CHECK(h.size() == expect.size());
  std::string_view v;
  CHECK(h.Get("field:7", &v));
  CHECK(v == "seven");
  CHECK_FALSE(h.Get("field:200", &v));
}

TEST_CASE("random sets and deletes of varying lengths agree with a std::map in both forms") {
  std::mt19937_64 rng(7);
  for (bool table : {false, true}) {
    HashObject h;
    if (table) h.ConvertToTable();
    Fields expect;
    for (int step = 0; step < 20000; ++step) {
      std::string field = Num("f", static_cast<int>(rng() % 100));
      if (rng() % 3 == 0) {
        CHECK(h.Delete(field) == (expect.erase(field) == 1));
      } else {
        std::string value(rng() % 60, static_cast<char>('a' + rng() % 26));
        CHECK(h.Set(field, value) == !expect.count(field));
        expect[field] = value;
      }
    }
    CHECK(h.packed() == !table);
    CHECK(FieldsOf(h) == expect);
  }
}

TEST_CASE("a clone is independent of the original in both representations") {
  for (int n : {3, 300}) {
    HashObject h;
    for (int i = 0; i < n; ++i) h.Set(Num("f", i), Num("v", i));
    ObjRef copy = h.Clone();
    auto* c = static_cast<HashObject*>(copy.get());
    CHECK(c->encoding() == h.encoding());
    Fields before = FieldsOf(h);
    c->Set("f0", "other");
    c->Delete("f1");
    CHECK(FieldsOf(h) == before);
    CHECK(FieldsOf(*c).size() == before.size() - 1);
  }
}

TEST_CASE("the snapshot encoding round-trips both representations and refuses damage") {
  for (int n : {1, 128, 1000}) {
    HashObject h;
    for (int i = 0; i < n; ++i) h.Set(Num("f", i), Num("v", i));
    std::string bytes;
    h.Encode(&bytes);
    ObjRef back = DecodeHashObject(bytes);
    REQUIRE(back);
    auto* b = static_cast<HashObject*>(back.get());
    CHECK(FieldsOf(*b) == FieldsOf(h));
    CHECK(b->encoding() == h.encoding());
    CHECK_FALSE(DecodeHashObject(bytes.substr(0, bytes.size() - 1)));
    CHECK_FALSE(DecodeHashObject(bytes + "x"));
  }
  CHECK_FALSE(DecodeHashObject(""));
}

TEST_CASE("HSCAN's cursor returns every field present for the whole scan, across resizes") {
  HashObject h;
  h.ConvertToTable();
  for (int i = 0; i < 1000; ++i) h.Set(Num("keep", i), "v");
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int step = 0;
  do {
    cursor = h.Scan(cursor, 7, [&](std::string_view f, std::string_view) { seen.emplace(f); });
    // Grow, then shrink the table while the scan runs.
    if (step == 5) {
      for (int i = 0; i < 5000; ++i) h.Set(Num("tmp", i), "v");
    }
    if (step == 40) {
      for (int i = 0; i < 5000; ++i) h.Delete(Num("tmp", i));
    }
    ++step;
  } while (cursor != 0);
  for (int i = 0; i < 1000; ++i) CHECK(seen.count(Num("keep", i)) == 1);
}

TEST_CASE("a packed hash is scanned whole with cursor 0 back") {
  HashObject h;
  for (int i = 0; i < 50; ++i) h.Set(Num("f", i), "v");
  size_t n = 0;
  CHECK(h.Scan(0, 1, [&](std::string_view, std::string_view) { ++n; }) == 0);
  CHECK(n == 50);
}

TEST_CASE("random picks come from the hash and reach every field") {
  for (int n : {10, 500}) {
    HashObject h;
    for (int i = 0; i < n; ++i) h.Set(Num("f", i), Num("v", i));
    std::set<std::string> picked;
    for (int i = 0; i < n * 40; ++i) {
      std::string_view f, v;
      h.Random(&f, &v);
      std::string_view actual;
      REQUIRE(h.Get(f, &actual));
      CHECK(actual == v);
      picked.emplace(f);
    }
    CHECK(picked.size() == static_cast<size_t>(n));
  }
}

TEST_CASE("random picks from a table-encoded hash are uniform") {
  // HRANDFIELD h -1000 draws with repetition: Redis's suite checks the counts with a
  // chi-square test (9 degrees of freedom, 40 ~ probability 1e-5). A pick that favours fields
  // alone in their bucket fails it for nearly every layout of 10 fields in 16 buckets.
  HashObject h;
  h.ConvertToTable();
  for (int i = 0; i < 10; ++i) h.Set(Num("f", i), "v");
  REQUIRE(std::string(h.encoding()) == "hashtable");
  std::map<std::string, int> counts;
  constexpr int kDraws = 100000;
  SeedFastRandom(12345);
  for (int i = 0; i < kDraws; ++i) {
    std::string_view f, v;
    h.Random(&f, &v);
    ++counts[std::string(f)];
  }
  REQUIRE(counts.size() == 10);
  double expected = kDraws / 10.0, chi_square = 0;
  for (const auto& [field, n] : counts) chi_square += (n - expected) * (n - expected) / expected;
  CHECK(chi_square < 40);
}

TEST_CASE("replaying the logged hash ops rebuilds the same hashes and deletes emptied keys") {
  RecordingJournal journal;
  Store live;
  live.set_journal(&journal);
  CHECK(HSet(live, "small", {"a", "1", "b", "2", "a", "3"}) == 2);
  CHECK(HDel(live, "small", {"b", "missing"}) == 1);
  for (int i = 0; i < 600; ++i) HSet(live, "big", {Num("f", i), Num("v", i)});  // > 512
  HDel(live, "big", {"f5", "f6"});
  HSet(live, "gone", {"x", "1"});
  CHECK(HDel(live, "gone", {"x"}) == 1);
  CHECK(HDel(live, "nokey", {"x"}) == 0);
  CHECK(HSet(live, "long", {"k", std::string(100, 'z')}) == 1);
  live.Access(0, "str", [](KeyHandle& h) { h.Put(Value{}, 0); });
  live.Access(0, "str", [](KeyHandle& h) {
    std::string_view pair[2] = {"a", "b"};
    CHECK(HashSetFields(h, pair).status().code() == Code::kWrongType);
  });
  live.Access(0, "str", [](KeyHandle& h) { h.Delete(); });

  Store replayed;
  {
    Store::ReplayScope scope;
    for (const std::string& r : journal.records) CHECK(ApplyEffects(replayed, r).ok());
  }
  auto expect = HashesOf(live);
  CHECK(expect.size() == 3);
  CHECK(expect["big"].second == "hashtable");
  CHECK(expect["long"].second == "hashtable");
  CHECK(expect["small"].first == Fields{{"a", "3"}});
  CHECK(HashesOf(replayed) == expect);
}

TEST_CASE("a change to a shared hash copies it first (copy-on-write)") {
  Store s;
  HSet(s, "h", {"a", "1"});
  ObjRef held = s.Access(0, "h", [](KeyHandle& h) { return h.Find()->value.obj; });
  HSet(s, "h", {"a", "2"});
  CHECK(FieldsOf(*static_cast<HashObject*>(held.get())) == Fields{{"a", "1"}});
}

TEST_CASE("a malformed hash op is refused on replay") {
  Store s;
  s.Access(0, "k", [](KeyHandle& h) {
    CHECK_FALSE(ApplyHashOp(h, ""));
    CHECK_FALSE(ApplyHashOp(h, std::string_view("\x09", 1)));
    CHECK_FALSE(ApplyHashOp(h, std::string_view("\x01\x01", 2)));
  });
}

}  // namespace
}  // namespace cairn::store
