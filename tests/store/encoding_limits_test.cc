// tests/store/encoding_limits_test.cc — the live encoding thresholds (store/encoding_limits.h):
// each collection converts when a write passes the limit in force, never converts back when
// a limit changes, and a snapshot written under one limit loads under another.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "store/encoding_limits.h"
#include "store/object.h"
#include "store/types/hash/hash.h"
#include "store/types/list/list.h"
#include "store/types/set/set.h"
#include "store/types/stream/stream.h"
#include "store/types/zset/zset.h"
#include "tests/store/store_testing.h"

namespace cairn::store {
namespace {

using testing::ScopedLimit;

EncodingLimits& L() { return encoding_limits(); }

TEST_CASE("a hash turns into a hashtable when it passes hash-max-listpack-entries") {
  ScopedLimit<size_t> entries(L().hash_max_listpack_entries, 2);
  HashObject h;
  h.Set("a", "1");
  h.Set("b", "2");
  CHECK(h.encoding() == "listpack");
  h.Set("b", "3");  // replacing a value adds no field
  CHECK(h.encoding() == "listpack");
  h.Set("c", "3");
  CHECK(h.encoding() == "hashtable");
}

TEST_CASE("a hash turns into a hashtable when a field or value passes hash-max-listpack-value") {
  ScopedLimit<size_t> value(L().hash_max_listpack_value, 4);
  HashObject h;
  h.Set("f", "1234");
  CHECK(h.encoding() == "listpack");
  h.Set("g", "12345");
  CHECK(h.encoding() == "hashtable");
}

TEST_CASE("raising a limit does not convert an existing object back") {
  HashObject h;
  {
    ScopedLimit<size_t> entries(L().hash_max_listpack_entries, 0);
    h.Set("a", "1");
    CHECK(h.encoding() == "hashtable");
  }
  h.Set("b", "2");
  CHECK(h.encoding() == "hashtable");
  HashObject fresh;
  fresh.Set("a", "1");
  CHECK(fresh.encoding() == "listpack");
}

TEST_CASE("a sorted set turns into a skiplist past zset-max-listpack-entries or -value") {
  {
    ScopedLimit<size_t> entries(L().zset_max_listpack_entries, 1);
    ZSet z;
    z.Set("a", 1);
    CHECK(z.encoding() == "listpack");
    z.Set("b", 2);
    CHECK(z.encoding() == "skiplist");
  }
  ScopedLimit<size_t> value(L().zset_max_listpack_value, 3);
  ZSet z;
  z.Set("abc", 1);
  CHECK(z.encoding() == "listpack");
  z.Set("abcd", 2);
  CHECK(z.encoding() == "skiplist");
}

TEST_CASE("a set of integers leaves the intset past set-max-intset-entries") {
  ScopedLimit<size_t> ints(L().set_max_intset_entries, 2);
  SetObject s;
  s.Add("1");
  s.Add("2");
  CHECK(s.encoding() == "intset");
  s.Add("3");
  CHECK(s.encoding() == "listpack");
  ScopedLimit<size_t> packed(L().set_max_listpack_entries, 0);
  SetObject t;
  t.Add("1");
  t.Add("2");
  t.Add("3");
  CHECK(t.encoding() == "hashtable");
}

TEST_CASE("a set listpack never holds a member longer than 255 bytes") {
  ScopedLimit<size_t> value(L().set_max_listpack_value, 1000);
  SetObject s;
  s.Add(std::string(255, 'a'));
  CHECK(s.encoding() == "listpack");
  s.Add(std::string(256, 'b'));
  CHECK(s.encoding() == "hashtable");
  CHECK(s.Contains(std::string(255, 'a')));
  CHECK(s.Contains(std::string(256, 'b')));
}

TEST_CASE("list-max-listpack-size bounds the elements per list node, by count or by size") {
  {
    ScopedLimit<int64_t> fill(L().list_max_listpack_size, 2);
    ListObject l;
    for (int i = 0; i < 5; ++i) l.Push(ListSide::kTail, "v" + std::to_string(i));
    CHECK(l.node_count() == 3);
    l.Set(0, "changed");  // rebuilding a node keeps the limit
    CHECK(l.node_count() == 3);
    std::string node_buf;
    CHECK(l.At(0, &node_buf).text == "changed");
  }
  std::string big(1000, 'x');
  ListObject small_nodes, large_nodes;
  {
    ScopedLimit<int64_t> fill(L().list_max_listpack_size, -1);  // 4 KB nodes
    for (int i = 0; i < 40; ++i) small_nodes.Push(ListSide::kTail, big);
  }
  {
    ScopedLimit<int64_t> fill(L().list_max_listpack_size, -5);  // 64 KB nodes
    for (int i = 0; i < 40; ++i) large_nodes.Push(ListSide::kHead, big);
  }
  CHECK(small_nodes.node_count() >= 10);
  CHECK(large_nodes.node_count() == 1);
  CHECK(large_nodes.size() == 40);
}

TEST_CASE("stream-node-max-entries and -bytes start a new stream node; 0 lifts the limit") {
  std::vector<std::string_view> fv = {"field", "value"};
  {
    ScopedLimit<size_t> entries(L().stream_node_max_entries, 2);
    Stream s;
    for (uint64_t i = 1; i <= 5; ++i) s.Add(StreamId{i, 0}, fv);
    CHECK(s.node_count() == 3);
  }
  {
    ScopedLimit<size_t> entries(L().stream_node_max_entries, 0);
    ScopedLimit<size_t> bytes(L().stream_node_max_bytes, 0);
    Stream s;
    for (uint64_t i = 1; i <= 500; ++i) s.Add(StreamId{i, 0}, fv);
    CHECK(s.node_count() == 1);
  }
}

TEST_CASE("a snapshot written under one limit loads under another") {
  SetObject ints;
  HashObject hash;
  {
    ScopedLimit<size_t> big(L().set_max_intset_entries, 1000);
    ScopedLimit<size_t> fields(L().hash_max_listpack_entries, 1000);
    for (int i = 0; i < 600; ++i) {
      ints.Add(std::to_string(i));
      hash.Set("f" + std::to_string(i), "v");
    }
    REQUIRE(ints.encoding() == "intset");
    REQUIRE(hash.encoding() == "listpack");
  }
  std::string set_bytes, hash_bytes;
  ints.Encode(&set_bytes);
  hash.Encode(&hash_bytes);
  ObjRef set_back = DecodeObject(ValueType::kSet, set_bytes);
  ObjRef hash_back = DecodeObject(ValueType::kHash, hash_bytes);
  REQUIRE(set_back);
  REQUIRE(hash_back);
  CHECK(set_back->size() == 600);
  CHECK(set_back->encoding() == "hashtable");
  CHECK(hash_back->size() == 600);
  CHECK(hash_back->encoding() == "hashtable");
}

}  // namespace
}  // namespace cairn::store
