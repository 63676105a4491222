// tests/store/list_test.cc — the list value (store/types/list/list.h) against a std::deque model: both
// ends, indexes, changes in the middle across many packed nodes, exact bytes of integer-like
// elements, Clone independence, the snapshot round trip, and replay of the logged list ops
// (store/types/list/list_ops.h) into a fresh store.
#include <doctest/doctest.h>

#include <algorithm>
#include <deque>
#include <map>
#include <optional>
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
  std::string node_buf;
  CHECK(list.At(3, &node_buf).is_int);
  CHECK_FALSE(list.At(1, &node_buf).is_int);
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
  std::string scratch, node_buf;
  for (int step = 0; step < 3000 && !model.empty(); ++step) {
    size_t index = rng() % model.size();
    std::string v = RandomElem(rng);
    switch (rng() % 5) {
      case 0:
        CHECK(list.At(index, &node_buf).View(&scratch) == model[index]);
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
  std::string scratch, node_buf;
  CHECK(list.At(0, &node_buf).View(&scratch) == "v0");
  CHECK(list.size() == 2990);
  CHECK(clone->size() == 3001);
  CHECK(clone->At(1, &node_buf).View(&scratch) == "changed");
  CHECK(clone->At(3000, &node_buf).View(&scratch) == "v2999");
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

// ---- list-compress-depth -------------------------------------------------------------------

// Elements LZF shrinks well even one at a time, as padded records do; some long enough to
// fill a node alone.
std::string CompressibleElem(std::mt19937_64& rng) {
  if (rng() % 8 == 0) {
    return "job:" + std::string(8000 + rng() % 4000, static_cast<char>('a' + rng() % 3));
  }
  return "event:" + std::to_string(rng() % 1000) + ":" + std::string(50, '.') + ":" +
         std::to_string(rng() % 50);
}

// Nodes between the depth plain ones at each end are compressed: every one of them, for a
// list of elements that compress even alone.
void CheckCompressedZone(const ListObject& list) {
  size_t nodes = list.node_count(), plain = 2 * size_t{list.compress_depth()};
  CHECK(list.compressed_nodes() == (nodes > plain ? nodes - plain : 0));
}

// One random change of list and model, of any kind a command makes (pushes outnumber pops).
void RandomChange(ListObject& list, Model& model, std::mt19937_64& rng) {
  std::string v = CompressibleElem(rng), scratch, node_buf;
  size_t index = model.empty() ? 0 : rng() % model.size();
  bool head = rng() % 2 == 0;
  switch (model.empty() ? 0 : rng() % 8) {
    case 0:
    case 1:
    case 2:
      list.Push(head ? ListSide::kHead : ListSide::kTail, v);
      head ? model.push_front(v) : model.push_back(v);
      return;
    case 3:
      list.Pop(head ? ListSide::kHead : ListSide::kTail, 1 + rng() % 2, [&](const ListElem& e) {
        REQUIRE(!model.empty());
        CHECK(e.View(&scratch) == (head ? model.front() : model.back()));
        head ? model.pop_front() : model.pop_back();
      });
      return;
    case 4:
      CHECK(list.At(index, &node_buf).View(&scratch) == model[index]);
      list.Set(index, v);
      model[index] = v;
      return;
    case 5:
      list.Insert(index, v);
      model.insert(model.begin() + static_cast<ptrdiff_t>(index), v);
      return;
    case 6: {
      std::string target = model[index];
      CHECK(list.Remove(ListNeedle(target), 1, head) == 1);
      if (head) {
        model.erase(std::prev(std::find(model.rbegin(), model.rend(), target).base()));
      } else {
        model.erase(std::find(model.begin(), model.end(), target));
      }
      return;
    }
    default: {
      size_t h = std::min<size_t>(rng() % 2, model.size());
      size_t t = std::min<size_t>(rng() % 2, model.size() - h);
      list.Trim(h, t);
      model.erase(model.begin(), model.begin() + static_cast<ptrdiff_t>(h));
      model.erase(model.end() - static_cast<ptrdiff_t>(t), model.end());
    }
  }
}

TEST_CASE("with list-compress-depth, a list keeps every inner node compressed through changes") {
  for (size_t depth : {1, 2, 3}) {
    CAPTURE(depth);
    testing::ScopedLimit<size_t> compress(encoding_limits().list_compress_depth, depth);
    testing::ScopedLimit<int64_t> fill(encoding_limits().list_max_listpack_size, 8);
    ListObject list;
    CHECK(list.compress_depth() == depth);
    Model model;
    std::mt19937_64 rng(depth);
    for (int step = 0; step < 6000; ++step) {
      RandomChange(list, model, rng);
      CheckCompressedZone(list);
      if (step % 500 == 0) CheckSame(list, model);
    }
    CHECK(list.node_count() > 2 * depth + 10);
    CheckSame(list, model);
    std::vector<std::string> backwards;
    std::string scratch;
    list.Scan(list.size() - 1, true, [&](const ListElem& e) {
      backwards.emplace_back(e.View(&scratch));
      return true;
    });
    CHECK(std::equal(backwards.begin(), backwards.end(), model.rbegin(), model.rend()));
    // A clone shares nothing and keeps the same form.
    ObjRef copy = list.Clone();
    auto* clone = static_cast<ListObject*>(copy.get());
    CHECK(clone->compressed_nodes() == list.compressed_nodes());
    clone->Push(ListSide::kHead, "only in the clone");
    CheckSame(list, model);
  }
}

TEST_CASE("a compressed list takes a fraction of the memory and keeps its depth for life") {
  ListObject plain;
  std::optional<ListObject> compressed;
  {
    testing::ScopedLimit<size_t> compress(encoding_limits().list_compress_depth, 1);
    compressed.emplace();
  }
  for (int i = 0; i < 100000; ++i) {
    std::string v = "event:" + std::to_string(i) + ":user:" + std::to_string(i % 97) +
                    ":action:click:page:/home/index.html";
    plain.Push(ListSide::kTail, v);
    compressed->Push(ListSide::kTail, v);
  }
  // Redis 7.0 holds this list in 5.6 MB plain and 0.92 MB at depth 1.
  CHECK(compressed->compress_depth() == 1);
  CHECK(compressed->memory_bytes() * 5 < plain.memory_bytes());
  CHECK(compressed->entry_bytes() == plain.entry_bytes());
  std::string scratch, node_buf;
  CHECK(compressed->At(50000, &node_buf).View(&scratch) ==
        "event:50000:user:45:action:click:page:/home/index.html");
}

TEST_CASE("list nodes LZF cannot shrink stay plain inside the compressed zone") {
  std::optional<ListObject> list;
  {
    testing::ScopedLimit<size_t> compress(encoding_limits().list_compress_depth, 1);
    list.emplace();
  }
  ListObject plain;
  std::mt19937_64 rng(5);
  Model model;
  for (int i = 0; i < 5000; ++i) {
    std::string v(40, '\0');
    for (char& c : v) c = static_cast<char>(rng());
    list->Push(ListSide::kTail, v);
    plain.Push(ListSide::kTail, v);
    model.push_back(v);
  }
  CHECK(list->node_count() > 10);
  CHECK(list->compressed_nodes() == 0);
  // Trying costs no memory: a node that would not shrink is kept as it was.
  CHECK(list->memory_bytes() == plain.memory_bytes());
  CheckSame(*list, model);
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
      std::string node_buf;
      std::string target(ListOf(e)->At(rng() % length, &node_buf).View(&scratch));
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
