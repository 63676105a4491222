// tests/store/zset_test.cc — the sorted set value: both representations agree with a simple
// ordered model (ranks, scores, boundaries, walks both ways), conversion at Redis's
// thresholds, Clone independence, the snapshot round trip, and WAL replay of the logged ops.
#include "store/types/zset/zset.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "store/effects.h"
#include "store/journal.h"
#include "store/object_families.h"
#include "store/store.h"
#include "store/types/zset/zset_ops.h"
#include "tests/store/store_testing.h"

namespace cairn::store {
namespace {

using testing::RecordingJournal;

using Elements = std::vector<std::pair<std::string, double>>;

Elements ElementsOf(const ZSet& z, bool reverse = false) {
  Elements out;
  z.VisitRanks(0, z.size(), reverse,
               [&](std::string_view m, double s) { out.emplace_back(std::string(m), s); });
  return out;
}

// The reference: (score, member) ordered set plus member -> score.
struct Model {
  std::set<std::pair<double, std::string>> order;
  std::map<std::string, double> scores;

  void Set(const std::string& m, double s) {
    Remove(m);
    order.insert({s, m});
    scores[m] = s;
  }
  void Remove(const std::string& m) {
    auto it = scores.find(m);
    if (it == scores.end()) return;
    order.erase({it->second, m});
    scores.erase(it);
  }
  Elements Ordered() const {
    Elements out;
    for (const auto& [s, m] : order) out.emplace_back(m, s);
    return out;
  }
};

void CheckAgainstModel(const ZSet& z, const Model& model) {
  REQUIRE(z.size() == model.order.size());
  Elements expected = model.Ordered();
  CHECK(ElementsOf(z) == expected);
  Elements reversed(expected.rbegin(), expected.rend());
  CHECK(ElementsOf(z, true) == reversed);
  for (size_t r = 0; r < expected.size(); r += 7) {
    size_t rank = 0;
    REQUIRE(z.Rank(expected[r].first, &rank));
    CHECK(rank == r);
    double score = 0;
    REQUIRE(z.Score(expected[r].first, &score));
    CHECK(score == expected[r].second);
    Elements one;
    z.VisitRanks(r, r + 1, false,
                 [&](std::string_view m, double s) { one.emplace_back(std::string(m), s); });
    CHECK(one == Elements{expected[r]});
    size_t below = 0;
    for (const auto& e : expected) below += e.second < expected[r].second;
    CHECK(z.CountScoreBelow(expected[r].second, false) == below);
  }
}

// Random adds, updates and removes over `members` distinct names, checked as it goes.
void RandomOps(ZSet& z, Model& model, int members, int ops, uint32_t seed) {
  std::mt19937 rng(seed);
  for (int i = 0; i < ops; ++i) {
    std::string m = "m" + std::to_string(rng() % members);
    double s = static_cast<double>(rng() % 50) / 2;
    if (rng() % 4 == 0) {
      CHECK(z.Remove(m) == (model.scores.count(m) == 1));
      model.Remove(m);
    } else {
      CHECK(z.Set(m, s) == (model.scores.count(m) == 0));
      model.Set(m, s);
    }
  }
  CheckAgainstModel(z, model);
}

TEST_CASE("a small sorted set stays a listpack and keeps (score, member) order") {
  ZSet z;
  Model model;
  RandomOps(z, model, 60, 400, 1);
  CHECK(z.encoding() == "listpack");
}

TEST_CASE("a large sorted set is a skiplist with correct ranks, scores and walks") {
  ZSet z;
  Model model;
  RandomOps(z, model, 3000, 20000, 2);
  CHECK(z.encoding() == "skiplist");
  RandomOps(z, model, 3000, 5000, 3);
}

// A member whose new score moves it is unlinked and linked again from two walks made side by
// side (ZSkipList::FindMovePredecessors), the second one reading spans as they will be once
// the member is out. Every rank is checked after runs of moves: far ones, next-door ones, to
// the ends, onto ties (ordered by member), and while the list's top level changes.
TEST_CASE("moving members to new scores keeps every rank and walk of a large set") {
  ZSet z;
  Model model;
  std::mt19937 rng(17);
  for (int i = 0; i < 2000; ++i) {
    std::string m = "m" + std::to_string(i);
    double s = static_cast<double>(rng() % 100000);
    z.Set(m, s);
    model.Set(m, s);
  }
  REQUIRE(z.encoding() == "skiplist");
  auto check_all_ranks = [&] {
    Elements expected = model.Ordered();
    REQUIRE(ElementsOf(z) == expected);
    for (size_t r = 0; r < expected.size(); ++r) {
      size_t rank = 0;
      REQUIRE(z.Rank(expected[r].first, &rank));
      CHECK(rank == r);
    }
    Elements by_rank;
    for (size_t r = 0; r < expected.size(); r += 13) {
      z.VisitRanks(r, r + 1, false,
                   [&](std::string_view m, double s) { by_rank.emplace_back(std::string(m), s); });
      CHECK(by_rank.back() == expected[r]);
    }
  };
  for (int round = 0; round < 6; ++round) {
    for (int i = 0; i < 3000; ++i) {
      std::string m = "m" + std::to_string(rng() % 2000);
      double s = model.scores[m];
      switch (rng() % 5) {
        case 0: s = static_cast<double>(rng() % 100000); break;       // anywhere
        case 1: s += static_cast<double>(rng() % 200) - 100; break;  // nearby
        case 2: s = rng() % 2 ? -1e9 - i : 1e9 + i; break;            // to an end
        case 3: s = static_cast<double>(rng() % 50); break;          // onto ties
        default: s = model.order.begin()->first; break;              // the lowest score
      }
      z.Set(m, s);
      model.Set(m, s);
    }
    check_all_ranks();
  }
  // Down to a few members (the top levels empty out), then moves again.
  for (int i = 0; i < 1990; ++i) {
    std::string m = "m" + std::to_string(i);
    z.Remove(m);
    model.Remove(m);
  }
  for (int i = 0; i < 500; ++i) {
    std::string m = "m" + std::to_string(1990 + rng() % 10);
    double s = static_cast<double>(rng() % 20);
    z.Set(m, s);
    model.Set(m, s);
  }
  check_all_ranks();
}

TEST_CASE("the listpack converts past 128 members or at a member longer than 64 bytes") {
  ZSet z;
  for (int i = 0; i < 128; ++i) z.Set("m" + std::to_string(i), i);
  CHECK(z.encoding() == "listpack");
  z.Set("m128", 128);
  CHECK(z.encoding() == "skiplist");
  CHECK(z.size() == 129);

  ZSet w;
  w.Set(std::string(64, 'x'), 1);
  CHECK(w.encoding() == "listpack");
  w.Set(std::string(65, 'y'), 2);
  CHECK(w.encoding() == "skiplist");
  CHECK(ElementsOf(w) == Elements{{std::string(64, 'x'), 1}, {std::string(65, 'y'), 2}});
}

TEST_CASE("score and lex boundaries become ranks") {
  for (int n : {5, 500}) {
    ZSet z;
    for (int i = 0; i < n; ++i) z.Set("k" + std::to_string(1000 + i), i / 2);
    CHECK(z.CountScoreBelow(0, false) == 0);
    CHECK(z.CountScoreBelow(0, true) == 2);
    CHECK(z.CountScoreBelow(1, true) == 4);
    CHECK(z.CountScoreBelow(1e9, false) == static_cast<size_t>(n));
    ZSet lex;
    for (int i = 0; i < n; ++i) lex.Set("k" + std::to_string(1000 + i), 0);
    CHECK(lex.CountLexBelow("k1002", false) == 2);
    CHECK(lex.CountLexBelow("k1002", true) == 3);
    CHECK(lex.CountLexBelow("a", true) == 0);
  }
}

TEST_CASE("a clone is independent of the original") {
  for (int n : {10, 300}) {
    ZSet z;
    for (int i = 0; i < n; ++i) z.Set("m" + std::to_string(i), i);
    ObjRef copy = z.Clone();
    auto* c = static_cast<ZSet*>(copy.get());
    c->Set("m0", 1000);
    c->Remove("m1");
    double score = 0;
    CHECK(z.Score("m0", &score));
    CHECK(score == 0);
    CHECK(z.Score("m1", &score));
    CHECK(c->size() == static_cast<size_t>(n - 1));
    CHECK(c->encoding() == z.encoding());
  }
}

TEST_CASE("Encode and DecodeZSetObject round-trip both representations") {
  for (int n : {3, 128, 129, 1000}) {
    ZSet z;
    for (int i = 0; i < n; ++i) z.Set("member-" + std::to_string(i * 7 % n), (i % 13) * 0.5);
    std::string bytes;
    z.Encode(&bytes);
    ObjRef back = DecodeZSetObject(bytes);
    REQUIRE(back);
    const auto* d = static_cast<const ZSet*>(back.get());
    CHECK(ElementsOf(*d) == ElementsOf(z));
    CHECK(d->encoding() == z.encoding());
    CHECK_FALSE(DecodeZSetObject(bytes.substr(0, bytes.size() - 1)));
  }
}

TEST_CASE("a listpack keeps every score exactly, whole numbers packed short or not") {
  const double kScores[] = {0,    1,     -1,        1e15,      -9007199254740991.0,
                            9007199254740992.0,     0.5,       -2.25,
                            1e300, -1e-300, std::numeric_limits<double>::infinity(),
                            -std::numeric_limits<double>::infinity()};
  ZSet z;
  Elements want;
  for (double score : kScores) {
    std::string member = "m" + std::to_string(want.size());
    CHECK(z.Set(member, score));
    want.emplace_back(member, score);
  }
  std::sort(want.begin(), want.end(), [](const auto& a, const auto& b) {
    return a.second < b.second || (a.second == b.second && a.first < b.first);
  });
  CHECK(z.encoding() == "listpack");
  CHECK(ElementsOf(z) == want);
  // The snapshot encodes the entries the same way whatever the representation.
  std::string packed_bytes, list_bytes;
  z.Encode(&packed_bytes);
  z.KeepAsSkipList();
  z.Encode(&list_bytes);
  CHECK(packed_bytes == list_bytes);
}

TEST_CASE("a -0 a bulk build packs keeps its sign when the set becomes a skiplist") {
  ZSet z;
  z.Append("a", -0.0, true);
  z.Append("b", 1, true);
  z.KeepAsSkipList();
  double score = 1;
  REQUIRE(z.Score("a", &score));
  CHECK(score == 0);
  CHECK(std::signbit(score));
}

TEST_CASE("Scan visits every member of a large set once when nothing changes") {
  ZSet z;
  for (int i = 0; i < 1000; ++i) z.Set("m" + std::to_string(i), i);
  std::set<std::string> seen;
  uint64_t cursor = 0;
  do {
    cursor = z.Scan(cursor, 10,
                    [&](std::string_view m, double) { CHECK(seen.insert(std::string(m)).second); });
  } while (cursor != 0);
  CHECK(seen.size() == 1000);
}

TEST_CASE("Scan returns every member present all along while members come and go") {
  // Members are added and removed between calls, so the index doubles several times in each
  // scan; every member present all along must come back, over many differently sized sets.
  std::mt19937_64 rng(7);
  size_t missed = 0;
  for (int trial = 0; trial < 300; ++trial) {
    ZSet z;
    int kept = 200 + static_cast<int>(rng() % 800);
    for (int i = 0; i < kept; ++i) z.Set("kept" + std::to_string(i), i);
    std::set<std::string> seen;
    uint64_t cursor = 0;
    size_t count = 1 + rng() % 8;
    int calls = 0, added = 0;
    do {
      cursor = z.Scan(cursor, count,
                      [&](std::string_view m, double) { seen.insert(std::string(m)); });
      if (calls < 20) {  // then the scan catches up with the grown index
        int n = static_cast<int>(rng() % 200);
        for (int j = 0; j < n; ++j) z.Set("new" + std::to_string(added++), -1);
        if (added > 0) z.Remove("new" + std::to_string(rng() % added));
      }
      ++calls;
    } while (cursor != 0);
    for (int i = 0; i < kept; ++i) missed += seen.count("kept" + std::to_string(i)) == 0;
  }
  CHECK(missed == 0);
}

TEST_CASE("Scan of a set trimmed far below its index's size still returns members per call") {
  ZSet z;
  for (int i = 0; i < 100000; ++i) z.Set("m" + std::to_string(i), i);
  for (int i = 100; i < 100000; ++i) z.Remove("m" + std::to_string(i));
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int calls = 0;
  do {
    cursor = z.Scan(cursor, 10, [&](std::string_view m, double) { seen.insert(std::string(m)); });
    ++calls;
  } while (cursor != 0);
  CHECK(seen.size() == 100);
  // 100 homes a call at most: ~2,600 calls over the 2^18 slots, where 10 homes a call (COUNT
  // read as homes) would take ~26,000.
  CHECK(calls < 3000);
}

// ---- replay ------------------------------------------------------------------------------

std::map<std::string, Elements> ZSetsOf(Store& store) {
  std::map<std::string, Elements> out;
  store.ForEach(0, [&](const Entry& e) {
    REQUIRE(e.value.type == ValueType::kZSet);
    out[std::string(e.key())] = ElementsOf(*static_cast<const ZSet*>(e.value.obj.get()));
  });
  return out;
}

TEST_CASE("replaying the logged zset ops reproduces the same sets") {
  RecordingJournal journal;
  Store live;
  live.set_journal(&journal);
  std::mt19937 rng(7);
  for (int i = 0; i < 3000; ++i) {
    std::string key = "z" + std::to_string(rng() % 3);
    std::string member = "m" + std::to_string(rng() % 300);
    live.Access(0, key, [&](KeyHandle& h) {
      switch (rng() % 6) {
        case 0: {
          std::string_view members[] = {member};
          (void)ZRemove(h, members);
          break;
        }
        case 1: {
          ZItem item{0.5, member};
          (void)ZAdd(h, std::span<const ZItem>(&item, 1), ZAddOptions{.incr = true});
          break;
        }
        case 2:
          ZRemoveRanks(h, 0, 2, rng() % 2 == 0);
          break;
        default: {
          ZItem items[] = {{static_cast<double>(rng() % 100), member}, {1, "fixed"}};
          (void)ZAdd(h, items, ZAddOptions{.gt = rng() % 2 == 0});
        }
      }
    });
  }
  Store replayed;
  for (const std::string& record : journal.records) {
    REQUIRE(ApplyEffects(replayed, record).ok());
  }
  CHECK(ZSetsOf(replayed) == ZSetsOf(live));
  CHECK_FALSE(ZSetsOf(live).empty());
}

TEST_CASE("a malformed zset op is rejected") {
  Store store;
  store.Access(0, "k", [&](KeyHandle& h) {
    CHECK_FALSE(ApplyZSetOp(h, std::string_view("\x01\x01", 2)));
    CHECK_FALSE(ApplyZSetOp(h, std::string_view("\x09\x01\x00", 3)));
    CHECK_FALSE(ApplyZSetOp(h, ""));
  });
}

}  // namespace
}  // namespace cairn::store
