// tests/store/set_object_test.cc — the set value: its three representations and the
// conversions at Redis's thresholds, clone independence, the snapshot round trip, the
// hashtable scan guarantee, and WAL replay of the logged set ops into a fresh store.
#include <doctest/doctest.h>

#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "store/effects.h"
#include "store/journal.h"
#include "store/object_families.h"
#include "store/store.h"
#include "store/types/set/set.h"
#include "store/typed.h"
#include "store/types/set/set_ops.h"
#include "tests/store/store_testing.h"

namespace cairn::store {
namespace {

using testing::RecordingJournal;

std::set<std::string> Members(const SetObject& s) {
  std::set<std::string> out;
  s.ForEach([&out](std::string_view m) { out.emplace(m); });
  return out;
}

std::set<std::string> SetAt(Store& store, std::string_view key) {
  return store.Access(0, key, [](KeyHandle& h) {
    Result<const SetObject*> set = FindAs<SetObject>(h);
    CHECK(set.ok());
    return *set == nullptr ? std::set<std::string>{} : Members(**set);
  });
}

TEST_CASE("integers stay an intset up to 512 members, then become a hashtable") {
  SetObject s;
  for (int i = 0; i < 512; ++i) CHECK(s.Add(std::to_string(i * 7 - 100)));
  CHECK(s.encoding() == "intset");
  CHECK_FALSE(s.Add("-100"));
  CHECK(s.Contains("-100"));
  CHECK_FALSE(s.Contains("-0"));
  CHECK(s.Add("100000"));
  CHECK(s.encoding() == "hashtable");
  CHECK(s.size() == 513);
  CHECK(s.Contains("-100"));
}

TEST_CASE("a set told of many distinct adds ends in the encoding the adds alone give it") {
  // Members of each kind, at counts around both small limits (128 and 512).
  auto member = [](int kind, size_t i) {
    if (kind == 0) return std::to_string(i * 3);         // integers: intset
    if (kind == 1) return "m" + std::to_string(i);       // short strings: listpack
    if (kind == 3) return i >= 100000 ? std::to_string(i) : "m" + std::to_string(i);
    return std::string(70, 'x') + std::to_string(i);     // too long for a listpack
  };
  // kind 3: an intset given strings
  for (int kind = 0; kind < 4; ++kind) {
    for (size_t already : {0, 5}) {
      for (size_t n : {1, 100, 123, 124, 300, 507, 508, 600}) {
        SetObject plain, told;
        for (size_t i = 0; i < already; ++i) {
          plain.Add(member(kind, 100000 + i));
          told.Add(member(kind, 100000 + i));
        }
        std::vector<std::string> adds;
        for (size_t i = 0; i < n; ++i) adds.push_back(member(kind, i));
        std::vector<std::string_view> views(adds.begin(), adds.end());
        told.ExpectDistinctAdds(views);
        for (const std::string& m : adds) {
          CHECK(plain.Add(m));
          CHECK(told.Add(m));
        }
        CAPTURE(kind);
        CAPTURE(n);
        CHECK(told.encoding() == plain.encoding());
        CHECK(Members(told) == Members(plain));
      }
    }
  }
}

TEST_CASE("an intersection or difference visits each member once, as the combined set holds") {
  for (std::string prefix : {"m", ""}) {  // strings (hashtables), integers (intsets)
    SetObject a, b, c;
    for (int i = 0; i < 300; ++i) a.Add(prefix + std::to_string(i));
    for (int i = 0; i < 300; i += 2) b.Add(prefix + std::to_string(i));
    for (int i = 0; i < 300; i += 3) c.Add(prefix + std::to_string(i));
    for (SetAlgebra op : {SetAlgebra::kInter, SetAlgebra::kDiff}) {
      const SetObject* sets[] = {&a, &b, &c};
      MemberList found = InterOrDiff(op, sets);
      std::set<std::string> unique;
      for (size_t i = 0; i < found.size(); ++i) unique.emplace(found[i]);
      CHECK(unique.size() == found.size());
      std::set<std::string> expected;  // every sixth, or odd and not a multiple of 3
      for (int i = 0; i < 300; ++i) {
        bool in_inter = i % 6 == 0, in_diff = i % 2 != 0 && i % 3 != 0;
        if (op == SetAlgebra::kInter ? in_inter : in_diff) {
          expected.insert(prefix + std::to_string(i));
        }
      }
      CHECK(unique == expected);
      ObjRef combined = CombineSets(op, sets);
      CHECK(Members(*static_cast<const SetObject*>(combined.get())) == expected);
      CHECK(unique.count(prefix + "6") == (op == SetAlgebra::kInter ? 1u : 0u));
      CHECK(unique.count(prefix + "7") == (op == SetAlgebra::kInter ? 0u : 1u));
    }
    const SetObject* with_missing[] = {&a, nullptr};
    CHECK(InterOrDiff(SetAlgebra::kInter, with_missing).size() == 0);
  }
}

TEST_CASE("an intset widens its integers as members need it and keeps them sorted") {
  SetObject s;
  std::vector<std::string> members = {"5", "-3", "0", "32767", "-32768"};
  for (const std::string& m : members) CHECK(s.Add(m));
  size_t narrow_bytes = s.memory_bytes();
  CHECK(s.Add("40000"));                 // past int16: every integer becomes 4 bytes
  CHECK(s.Add("-3000000000"));           // past int32, below all: 8 bytes, at the front
  CHECK(s.Add("9223372036854775807"));   // the largest, at the back
  CHECK(s.Add("-9223372036854775808"));
  CHECK(s.encoding() == "intset");
  CHECK(s.memory_bytes() > narrow_bytes);
  std::vector<std::string> order;
  s.ForEach([&](std::string_view m) { order.emplace_back(m); });
  CHECK(order == std::vector<std::string>{"-9223372036854775808", "-3000000000", "-32768", "-3",
                                          "0", "5", "32767", "40000", "9223372036854775807"});
  for (const std::string& m : order) CHECK(s.Contains(m));
  CHECK_FALSE(s.Contains("6"));
  CHECK(s.Remove("-3000000000"));
  CHECK_FALSE(s.Remove("-3000000000"));
  CHECK(s.size() == 8);
  std::string encoded;
  s.Encode(&encoded);
  ObjRef back = DecodeSetObject(encoded);
  REQUIRE(back.get() != nullptr);
  CHECK(Members(*static_cast<const SetObject*>(back.get())) == Members(s));
}

TEST_CASE("an intset finds exactly its members at every width and size") {
  std::mt19937_64 rng(5);
  for (int64_t range : {int64_t{30000}, int64_t{2000000000}, int64_t{1} << 62}) {
    // Values in [-range, range): 16-, 32- and 64-bit intsets.
    auto draw = [&] {
      return static_cast<int64_t>(rng() % (2 * static_cast<uint64_t>(range))) - range;
    };
    for (size_t n : {0, 1, 2, 3, 7, 64, 65, 300, 512}) {
      SetObject s;
      std::set<int64_t> expected;
      while (expected.size() < n) {
        int64_t v = draw();
        if (expected.insert(v).second) CHECK(s.Add(std::to_string(v)));
      }
      CHECK(s.encoding() == "intset");
      for (int probe = 0; probe < 2000; ++probe) {
        int64_t v = draw();
        auto member = expected.lower_bound(v);  // every other probe: a member
        if (probe % 2 == 0 && member != expected.end()) v = *member;
        CHECK(s.Contains(std::to_string(v)) == (expected.count(v) == 1));
      }
    }
  }
}

TEST_CASE("non-canonical integers and strings leave the intset for a listpack") {
  SetObject s;
  s.Add("1");
  s.Add("01");
  CHECK(s.encoding() == "listpack");
  CHECK(Members(s) == std::set<std::string>{"1", "01"});
  for (int i = 0; i < 126; ++i) s.Add("m" + std::to_string(i));
  CHECK(s.encoding() == "listpack");
  s.Add("one-more");
  CHECK(s.encoding() == "hashtable");
  CHECK(s.size() == 129);
  SetObject big;
  big.Add(std::string(65, 'x'));
  CHECK(big.encoding() == "hashtable");
}

TEST_CASE("remove works in every representation and the hashtable never shrinks back") {
  for (int n : {10, 100, 2000}) {
    SetObject s;
    for (int i = 0; i < n; ++i) s.Add(n == 100 ? "k" + std::to_string(i) : std::to_string(i));
    for (int i = 0; i < n; i += 2) {
      CHECK(s.Remove(n == 100 ? "k" + std::to_string(i) : std::to_string(i)));
    }
    CHECK(s.size() == static_cast<size_t>(n / 2));
    CHECK_FALSE(s.Remove("absent"));
    for (int i = 1; i < n; i += 2) {
      CHECK(s.Contains(n == 100 ? "k" + std::to_string(i) : std::to_string(i)));
    }
  }
}

TEST_CASE("a clone is independent and encode/decode round-trips every representation") {
  for (int n : {5, 50, 3000}) {
    SetObject s;
    for (int i = 0; i < n; ++i) s.Add(n == 50 ? "v" + std::to_string(i) : std::to_string(i));
    ObjRef copy = s.Clone();
    s.Add("extra");
    auto* c = static_cast<SetObject*>(copy.get());
    CHECK(c->size() == static_cast<size_t>(n));
    CHECK_FALSE(c->Contains("extra"));
    std::string bytes;
    s.Encode(&bytes);
    ObjRef back = DecodeSetObject(bytes);
    REQUIRE(back);
    CHECK(back->encoding() == s.encoding());
    CHECK(Members(*static_cast<SetObject*>(back.get())) == Members(s));
    CHECK_FALSE(DecodeSetObject(bytes.substr(0, bytes.size() - 1)));
  }
}

TEST_CASE("hashtable scan returns every member present for the whole scan despite growth") {
  SetObject s;
  for (int i = 0; i < 1000; ++i) s.Add("a" + std::to_string(i));
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int calls = 0;
  do {
    cursor = s.Scan(cursor, 5, [&seen](std::string_view m) { seen.emplace(m); });
    // Grow and shrink the table between calls.
    if (calls == 10) {
      for (int i = 0; i < 5000; ++i) s.Add("b" + std::to_string(i));
    }
    if (calls == 60) {
      for (int i = 0; i < 5000; ++i) s.Remove("b" + std::to_string(i));
    }
    ++calls;
  } while (cursor != 0);
  for (int i = 0; i < 1000; ++i) CHECK(seen.count("a" + std::to_string(i)) == 1);
}

TEST_CASE("logged set ops replay to the same sets") {
  RecordingJournal journal;
  Store live;
  live.set_journal(&journal);
  std::vector<std::string> big;
  for (int i = 0; i < 700; ++i) big.push_back(std::to_string(i));
  std::vector<std::string_view> big_views(big.begin(), big.end());
  std::vector<std::string_view> some = {"x", "y", "z", "1"};
  live.Access(0, "a", [&](KeyHandle& h) {
    Result<size_t> n = SetAdd(h, big_views);
    CHECK((n.ok() && *n == 700));
    CHECK(SetRemove(h, std::span(some).subspan(3)).ok());
    std::vector<std::string> popped;
    CHECK(SetPop(h, 30, &popped).ok());
    CHECK(popped.size() == 30);
  });
  live.Access(0, "b", [&](KeyHandle& h) {
    CHECK(SetAdd(h, some).ok());
  });
  std::vector<KeyRef> keys = {{0, "b"}, {0, "c"}};
  live.AccessMany(keys, [&](std::span<KeyHandle> hs) {
    Result<bool> moved = SetMove(hs[0], hs[1], "x");
    CHECK((moved.ok() && *moved));
  });
  live.Access(0, "gone", [&](KeyHandle& h) {
    CHECK(SetAdd(h, some).ok());
    std::vector<std::string> popped;
    CHECK(SetPop(h, 10, &popped).ok());
  });
  live.Access(0, "d", [&](KeyHandle& h) {
    const SetObject* a = nullptr;
    SetStore(h, CombineSets(SetAlgebra::kUnion, std::span(&a, 1)));
  });
  Store replayed;
  for (const std::string& r : journal.records) CHECK(ApplyEffects(replayed, r).ok());
  for (std::string_view key : {"a", "b", "c", "gone", "d"}) {
    CHECK(SetAt(replayed, key) == SetAt(live, key));
  }
  CHECK(SetAt(replayed, "a").size() == 669);
  CHECK(SetAt(replayed, "c") == std::set<std::string>{"x"});
}

TEST_CASE("adds and removes that change nothing leave a WATCH intact") {
  Store store;
  WatchFlag flag;
  std::vector<std::string_view> a = {"a"};
  std::vector<std::string_view> b = {"b"};
  std::vector<std::string_view> none = {"zz"};
  store.Access(0, "s", [&](KeyHandle& h) {
    CHECK(SetAdd(h, a).ok());
    h.Watch(&flag);
    Result<size_t> n = SetAdd(h, a);
    CHECK((n.ok() && *n == 0));
    n = SetRemove(h, none);
    CHECK((n.ok() && *n == 0));
    CHECK_FALSE(flag.dirty.load());
    CHECK(SetAdd(h, b).ok());
    CHECK(flag.dirty.load());
    h.Unwatch(&flag);
  });
}

}  // namespace
}  // namespace cairn::store
