// tests/store/list_test.cc — the list value (store/types/list/list.h) against a std::deque model: both
// ends, indexes, changes in the middle across many packed nodes, exact bytes of integer-like
// elements, Clone independence, the snapshot round trip, and replay of the logged list ops
// (store/types/list/list_ops.h) into a fresh store.
#include <doctest/doctest.h>

#include <deque>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "store/effects.h"
#include "store/journal.h"
#include "store/object_families.h"
#include "store/store.h"
#include "store/types/list/list.h"
#include "store/types/list/list_ops.h"
#include "tests/store/store_testing.h"

namespace cairn::store {
namespace {

using testing::RecordingJournal;

using Model = std::deque<std::string>;

std::vector<std::string> Contents(const ListObject& list) {
  std::vector<std::string> out;
  std::string scratch;
  list.VisitRange(0, list.size(), [&](const ListElem& e) { out.emplace_back(e.View(&scratch)); });
  return out;
}

void CheckSame(const ListObject& list, const Model& model) {
  REQUIRE(list.size() == model.size());
  CHECK(Contents(list) == std::vector<std::string>(model.begin(), model.end()));
}

// Texts that exercise every element encoding: short and long text, integers stored packed,
// and integer-looking texts that must stay text.
std::string RandomElem(std::mt19937_64& rng) {
  static const char* kTricky[] = {"0", "-0", "01", "+1", "-", "", "9223372036854775807",
                                  "-9223372036854775808", "4611686018427387904", " 1"};
  switch (rng() % 6) {
    case 0:
      return std::to_string(static_cast<int64_t>(rng() % 2000) - 1000);
    case 1:
      return kTricky[rng() % std::size(kTricky)];
    case 2:
      return std::string(100 + rng() % 9000, static_cast<char>('a' + rng() % 26));
    default:
      return "e" + std::to_string(rng() % 40) + std::string(rng() % 30, 'x');
  }
}

TEST_CASE("list pushes and pops at both ends match a deque across many nodes") {
  ListObject list;
  Model model;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    std::string v = RandomElem(rng);
    bool head = rng() % 2 == 0;
    if (rng() % 3 != 0) {
      list.Push(head ? ListSide::kHead : ListSide::kTail, v);
      head ? model.push_front(v) : model.push_back(v);
      continue;
    }
    size_t n = rng() % 4;
    std::string scratch;
    list.Pop(head ? ListSide::kHead : ListSide::kTail, n, [&](const ListElem& e) {
      REQUIRE(!model.empty());
      CHECK(e.View(&scratch) == (head ? model.front() : model.back()));
      head ? model.pop_front() : model.pop_back();
    });
  }
  CheckSame(list, model);
}

TEST_CASE("list elements keep their exact bytes, integer-like or not") {
  ListObject list;
  for (std::string_view v : {"0", "-0", "01", "123", "-9223372036854775808",
                             "9223372036854775807", "4611686018427387903", "1.5", ""}) {
    list.Push(ListSide::kTail, v);
  }
  CHECK(Contents(list) == std::vector<std::string>{"0", "-0", "01", "123", "-9223372036854775808",
                                                   "9223372036854775807", "4611686018427387903",
                                                   "1.5", ""});
  CHECK(list.At(3).is_int);
  CHECK_FALSE(list.At(1).is_int);
  CHECK(list.encoding() == "quicklist");
}

TEST_CASE("list index, set, insert, remove and trim match a deque") {
  ListObject list;
  Model model;
  std::mt19937_64 rng(11);
  for (int i = 0; i < 3000; ++i) {
    std::string v = RandomElem(rng);
    list.Push(ListSide::kTail, v);
    model.push_back(v);
  }
  std::string scratch;
  for (int step = 0; step < 3000 && !model.empty(); ++step) {
    size_t index = rng() % model.size();
    std::string v = RandomElem(rng);
    switch (rng() % 5) {
      case 0:
        CHECK(list.At(index).View(&scratch) == model[index]);
        break;
      case 1:
        list.Set(index, v);
        model[index] = v;
        break;
      case 2:
        list.Insert(index, v);
        model.insert(model.begin() + static_cast<ptrdiff_t>(index), v);
        break;
      case 3: {
        bool from_tail = rng() % 2 == 0;
        size_t limit = rng() % 3;
        std::string target = model[index];
        size_t removed = list.Remove(ListNeedle(target), limit, from_tail);
        size_t expect = 0;
        Model kept;
        auto take = [&](const std::string& s) {
          if (s == target && (limit == 0 || expect < limit)) {
            ++expect;
            return;
          }
          from_tail ? kept.push_front(s) : kept.push_back(s);
        };
        if (from_tail) {
          for (auto it = model.rbegin(); it != model.rend(); ++it) take(*it);
        } else {
          for (const std::string& s : model) take(s);
        }
        CHECK(removed == expect);
        model = kept;
        break;
      }
      default:
        if (rng() % 20 == 0) {
          size_t head = rng() % 5, tail = rng() % 5;
          if (head + tail > model.size()) break;
          list.Trim(head, tail);
          model.erase(model.begin(), model.begin() + static_cast<ptrdiff_t>(head));
          model.erase(model.end() - static_cast<ptrdiff_t>(tail), model.end());
        }
    }
  }
  CheckSame(list, model);
}

TEST_CASE("list scan walks forwards and backwards from an index and can stop") {
  ListObject list;
  for (int i = 0; i < 5000; ++i) list.Push(ListSide::kTail, std::to_string(i));
  std::vector<int64_t> seen;
  list.Scan(4998, false, [&](const ListElem& e) {
    seen.push_back(e.num);
    return true;
  });
  CHECK(seen == std::vector<int64_t>{4998, 4999});
  seen.clear();
  list.Scan(2500, true, [&](const ListElem& e) {
    seen.push_back(e.num);
    return seen.size() < 3;
  });
  CHECK(seen == std::vector<int64_t>{2500, 2499, 2498});
  CHECK(list.Find(ListNeedle("4321")) == 4321);
  CHECK(list.Find(ListNeedle("04321")) == -1);
}

TEST_CASE("a cloned list changes independently of the original") {
  ListObject list;
  for (int i = 0; i < 3000; ++i) list.Push(ListSide::kTail, "v" + std::to_string(i));
  ObjRef copy = list.Clone();
  auto* clone = static_cast<ListObject*>(copy.get());
  clone->Set(0, "changed");
  clone->Push(ListSide::kHead, "new");
  list.Pop(ListSide::kTail, 10, [](const ListElem&) {});
  std::string scratch;
  CHECK(list.At(0).View(&scratch) == "v0");
  CHECK(list.size() == 2990);
  CHECK(clone->size() == 3001);
  CHECK(clone->At(1).View(&scratch) == "changed");
  CHECK(clone->At(3000).View(&scratch) == "v2999");
}

TEST_CASE("list snapshot encoding round-trips and rejects malformed bytes") {
  ListObject list;
  std::mt19937_64 rng(3);
  for (int i = 0; i < 2000; ++i) list.Push(ListSide::kTail, RandomElem(rng));
  std::string bytes;
  list.Encode(&bytes);
  ObjRef back = DecodeListObject(bytes);
  REQUIRE(back);
  CHECK(Contents(*static_cast<ListObject*>(back.get())) == Contents(list));
  CHECK_FALSE(DecodeListObject(bytes.substr(0, bytes.size() - 1)));
  CHECK_FALSE(DecodeListObject(bytes + "x"));
  CHECK_FALSE(DecodeListObject(""));
}

TEST_CASE("a list of a million short elements stays within Redis's bytes per element") {
  ListObject list;
  for (int i = 0; i < 1000000; ++i) list.Push(ListSide::kTail, "value:" + std::to_string(i));
  // Redis 7.0 holds the same list in about 14 bytes per element.
  CHECK(list.memory_bytes() < 14 * list.size());
}

// ---- Replay --------------------------------------------------------------------------------

// Every list in db 0, as key -> elements.
std::map<std::string, std::vector<std::string>> Lists(Store& store) {
  std::map<std::string, std::vector<std::string>> out;
  store.ForEach(0, [&](const Entry& e) {
    REQUIRE(e.value.type == ValueType::kList);
    out[std::string(e.key())] = Contents(*ListOf(&e));
  });
  return out;
}

// One random list op on h's key, through the logged store operations.
void RandomListOp(KeyHandle& h, std::mt19937_64& rng, const std::string& v, ListSide side) {
  Entry* e = h.Find();
  std::string_view elem = v;
  size_t length = e == nullptr ? 0 : ListOf(e)->size();
  std::string scratch;
  switch (e == nullptr ? 0 : rng() % 7) {
    case 0:
    case 1:
      ListPush(h, e, side, std::span(&elem, 1));
      return;
    case 2:
      ListPop(h, e, side, rng() % 3, [](const ListElem&) {});
      return;
    case 3:
      ListSet(h, e, rng() % length, v);
      return;
    case 4:
      ListInsert(h, e, rng() % (length + 1), v);
      return;
    case 5: {
      std::string target(ListOf(e)->At(rng() % length).View(&scratch));
      ListRemove(h, e, target, rng() % 3, rng() % 2 == 0);
      return;
    }
    default: {
      size_t head = rng() % 2, tail = rng() % 2;
      if (head + tail <= length) ListTrim(h, e, head, tail);
    }
  }
}

TEST_CASE("replaying the logged list ops rebuilds the same lists") {
  RecordingJournal journal;
  Store live;
  live.set_journal(&journal);
  std::mt19937_64 rng(5);
  const std::string keys[] = {"a", "b", "c"};
  for (int step = 0; step < 4000; ++step) {
    std::string key = keys[rng() % 3], other = keys[rng() % 3];
    std::string v = RandomElem(rng);
    ListSide side = rng() % 2 ? ListSide::kHead : ListSide::kTail;
    if (rng() % 10 == 0) {
      KeyRef refs[] = {{0, key}, {0, other}};
      live.AccessMany(refs, [&](std::span<KeyHandle> hs) {
        Entry* src = hs[0].Find();
        if (src == nullptr) return;
        std::string moved, scratch;
        ListPop(hs[0], src, side, 1, [&](const ListElem& e) { moved = e.View(&scratch); });
        std::string_view elem = moved;
        ListPush(hs[1], hs[1].Find(), ListSide::kHead, std::span(&elem, 1));
      });
      continue;
    }
    live.Access(0, key, [&](KeyHandle& h) { RandomListOp(h, rng, v, side); });
  }
  Store replayed;
  {
    Store::ReplayScope scope;
    for (const std::string& record : journal.records) {
      REQUIRE(ApplyEffects(replayed, record).ok());
    }
  }
  CHECK(Lists(replayed) == Lists(live));
}

TEST_CASE("replaying a malformed list op fails") {
  Store store;
  std::string payload = "\x09";  // no such op
  bool ok = store.Access(0, "k", [&](KeyHandle& h) { return ApplyListOp(h, payload); });
  CHECK_FALSE(ok);
  std::string pop_missing("\x02\x00\x01", 3);
  ok = store.Access(0, "k", [&](KeyHandle& h) { return ApplyListOp(h, pop_missing); });
  CHECK_FALSE(ok);  // a pop on a missing list
}

}  // namespace
}  // namespace cairn::store
