// tests/rdb/rdb_object_test.cc — the RDB object codec: payloads a redis-server 7.0.15 wrote
// (DUMP with rdbcompression no unless noted) decode to the values it held and encode back to
// the same bytes; every type and size class round-trips; damaged or hostile bodies are
// refused without a crash.
#include "store/rdb/rdb_object.h"

#include <doctest/doctest.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "store/rdb/dump_payload.h"
#include "store/rdb/rdb_format.h"
#include "store/rdb/rdb_string.h"
#include "store/types/hash/hash.h"
#include "store/types/list/list.h"
#include "store/types/set/set.h"
#include "store/types/stream/stream.h"
#include "store/types/zset/zset.h"

namespace cairn::rdb {
namespace {

using store::Value;
using store::ValueType;

std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

// The body of a redis-server DUMP payload (checked by its version and CRC).
std::string Body(std::string_view hex) {
  std::string payload = FromHex(hex);
  std::string_view body;
  REQUIRE(VerifyDumpPayload(payload, &body));
  return std::string(body);
}

Value Decode(const std::string& body) {
  std::string_view in = body;
  Value v;
  REQUIRE(DecodeObject(&in, &v));
  CHECK(in.empty());
  return v;
}

// As the payloads below were made: with rdbcompression no.
std::string Encode(const Value& v) {
  std::string out;
  SetRdbCompression(false);
  EncodeObject(v, &out);
  SetRdbCompression(true);
  return out;
}

std::vector<std::string> ListItems(const Value& v) {
  REQUIRE(v.type == ValueType::kList);
  const auto& list = static_cast<const store::ListObject&>(*v.obj.get());
  std::vector<std::string> out;
  std::string scratch;
  list.VisitRange(0, list.size(), [&](const store::ListElem& e) {
    out.emplace_back(store::ListElemText(e, &scratch));
  });
  return out;
}

std::map<std::string, std::string> HashItems(const Value& v) {
  REQUIRE(v.type == ValueType::kHash);
  std::map<std::string, std::string> out;
  static_cast<const store::HashObject&>(*v.obj.get())
      .ForEach([&](std::string_view f, std::string_view val) { out.emplace(f, val); });
  return out;
}

std::set<std::string> SetItems(const Value& v) {
  REQUIRE(v.type == ValueType::kSet);
  std::set<std::string> out;
  static_cast<const store::SetObject&>(*v.obj.get()).ForEach([&](std::string_view m) {
    out.emplace(m);
  });
  return out;
}

std::vector<std::pair<std::string, double>> ZSetItems(const Value& v) {
  REQUIRE(v.type == ValueType::kZSet);
  const auto& z = static_cast<const store::ZSet&>(*v.obj.get());
  std::vector<std::pair<std::string, double>> out;
  z.VisitRanks(0, z.size(), false, [&](std::string_view m, double s) { out.emplace_back(m, s); });
  return out;
}

// What a client can read from v, in a form that ignores hashtable iteration order.
std::string Canonical(const Value& v) {
  std::string out = std::to_string(static_cast<int>(v.type)) + ":";
  auto add = [&out](std::string_view s) { (out += std::to_string(s.size()) + ",") += s; };
  switch (v.type) {
    case ValueType::kString:
      add(v.str.view());
      break;
    case ValueType::kList:
      for (const std::string& e : ListItems(v)) add(e);
      break;
    case ValueType::kHash:
      for (const auto& [f, val] : HashItems(v)) add(f), add(val);
      break;
    case ValueType::kSet:
      for (const std::string& m : SetItems(v)) add(m);
      break;
    case ValueType::kZSet:
      for (const auto& [m, score] : ZSetItems(v)) add(m), add(std::to_string(score));
      break;
    case ValueType::kStream:
      EncodeObject(v, &out);
      break;  // nodes and groups are ordered
  }
  return out;
}

Value StringValue(std::string_view s) {
  return Value(store::BufRef::Copy(s));
}

template <class T>
Value ObjectValue(T* obj) {
  return Value(store::ObjRef(obj));
}

// ---- payloads from redis-server ----

TEST_CASE("strings from redis-server decode and encode back to the same bytes") {
  struct Case {
    const char* hex;
    const char* text;
  } cases[] = {
      {"000568656c6c6f0a006372df766534200a", "hello"},
      {"00c139300a009d94ea2793fc08b9", "12345"},
      {"00c0f90a005e26d130d7a242ab", "-7"},
      {"000d393939393939393939393939390a006d9e3c261b31ccd4", "9999999999999"},
  };
  for (const Case& c : cases) {
    std::string body = Body(c.hex);
    Value v = Decode(body);
    REQUIRE(v.type == ValueType::kString);
    CHECK(v.str.view() == c.text);
    CHECK(Encode(v) == body);
  }
}

TEST_CASE("an LZF-compressed string from redis-server decodes") {
  Value v = Decode(Body("00c3094066016161e059000162630a008ed4ab88668b7e21"));
  CHECK(v.str.view() == std::string(100, 'a') + "bc");
}

TEST_CASE("a quicklist from redis-server decodes and encodes back to the same bytes") {
  std::string body = Body(
      "120102242400000006008161028162020701ded402f2701101048b68656c6c6f20776f726c640cff0a00ff"
      "364d9b74035f60");
  Value v = Decode(body);
  CHECK(ListItems(v) == std::vector<std::string>{"a", "b", "7", "-300", "70000", "hello world"});
  CHECK(Encode(v) == body);
}

TEST_CASE("a quicklist whose listpack redis-server compressed decodes") {
  Value v = Decode(
      Body("120102c316406707670000000200b161e027000232ab62e02100012cff0a00297fbf9f458b65d9"));
  CHECK(ListItems(v) == std::vector<std::string>{std::string(49, 'a'), std::string(43, 'b')});
}

TEST_CASE("listpack hashes from redis-server decode and encode back to the same bytes") {
  std::string small = Body("10141400000004008266310382763103816e022a01ff0a003138f0c7327a23d3");
  Value v = Decode(small);
  CHECK(HashItems(v) == std::map<std::string, std::string>{{"f1", "v1"}, {"n", "42"}});
  CHECK(Encode(v) == small);
  std::string three = Body(
      "101f1f0000000600826630038276300382663103827631038266320382763203ff0a009692944f9827bdc3");
  CHECK(Encode(Decode(three)) == three);
}

TEST_CASE("a hashtable hash from redis-server decodes and encodes back to the same bytes") {
  std::string hex = "040101664064";  // one field "f", a 100-byte value
  for (int i = 0; i < 100; ++i) hex += "78";
  hex += "0a0031d95a4d535f6b47";
  std::string full = Body(hex);
  Value v = Decode(full);
  CHECK(HashItems(v) == std::map<std::string, std::string>{{"f", std::string(100, 'x')}});
  CHECK(Encode(v) == full);
}

TEST_CASE("sets from redis-server: an intset and a plain set") {
  std::string intset = Body("0b100200000004000000fbff0100020003000a00c8e4dfb66f7396f0");
  Value v = Decode(intset);
  CHECK(SetItems(v) == std::set<std::string>{"-5", "1", "2", "3"});
  CHECK(Encode(v) == intset);
  std::string plain = Body("020101780a00ffe880ba760c2f09");
  Value p = Decode(plain);
  CHECK(SetItems(p) == std::set<std::string>{"x"});
  CHECK(Encode(p) == plain);
}

TEST_CASE("a listpack sorted set from redis-server decodes and encodes back to the same bytes") {
  std::string body =
      Body("111a1a0000000600816302dffd02816102010181620283322e3504ff0a00a68a1ab1a9f2dcc2");
  Value v = Decode(body);
  CHECK(ZSetItems(v) ==
        std::vector<std::pair<std::string, double>>{{"c", -3}, {"a", 1}, {"b", 2.5}});
  CHECK(Encode(v) == body);
}

TEST_CASE("a stream with a group, a consumer and a pending entry from redis-server") {
  std::string body = Body(
      "130110000000000000000100000000000000013d3d00000019000301000102018161028162020001020100"
      "01000101010201050102010001010103010401050100010101dfff020101816302050106"
      "01ff0302000101000003010267310101010100000000000000010000000000000001f1f7063ea201000001"
      "0105616c696365f1f7063ea201000001000000000000000100000000000000010a00abdfc03c1112e305");
  Value v = Decode(body);
  REQUIRE(v.type == ValueType::kStream);
  const auto& s = static_cast<const store::Stream&>(*v.obj.get());
  CHECK(s.size() == 3);
  CHECK(s.last_id() == store::StreamId{2, 0});
  CHECK(s.entries_added() == 3);
  std::vector<std::string> ids;
  s.Range({}, store::StreamId::Max(), false,
          [&](store::StreamId id, std::span<const std::string_view> fv) {
            ids.push_back(store::FormatStreamId(id) + ":" + std::string(fv[0]));
            return true;
          });
  CHECK(ids == std::vector<std::string>{"1-1:a", "1-2:a", "2-0:c"});
  const store::StreamGroup* g = s.FindGroup("g1");
  REQUIRE(g != nullptr);
  CHECK(g->last_delivered == store::StreamId{1, 1});
  CHECK(g->entries_read == 1);
  REQUIRE(g->pel.size() == 1);
  CHECK(g->pel[0].id == store::StreamId{1, 1});
  CHECK(g->pel[0].delivery_count == 1);
  REQUIRE(g->consumers.size() == 1);
  CHECK(g->consumers[0].name == "alice");
  CHECK(g->consumers[0].pending == 1);
  CHECK(g->ConsumerById(g->pel[0].consumer)->name == "alice");
  CHECK(Encode(v) == body);
}

// ---- round trips ----

TEST_CASE("every type and size class round-trips through encode and decode") {
  std::vector<Value> values;
  values.push_back(StringValue(""));
  values.push_back(StringValue("-2147483648"));
  values.push_back(StringValue("2147483648"));
  values.push_back(StringValue("007"));
  values.push_back(StringValue(std::string(70000, 'q')));
  for (size_t n : {1, 100, 5000}) {
    auto* list = new store::ListObject();
    for (size_t i = 0; i < n; ++i) {
      list->Push(store::ListSide::kTail,
                 i % 3 ? std::to_string(i * 977 - 3000) : "e" + std::to_string(i));
    }
    values.push_back(ObjectValue(list));
    auto* hash = new store::HashObject();
    for (size_t i = 0; i < n; ++i) hash->Set("f" + std::to_string(i), std::to_string(i));
    values.push_back(ObjectValue(hash));
    auto* ints = new store::SetObject();
    for (size_t i = 0; i < n; ++i)
      ints->Add(std::to_string(static_cast<int64_t>(i) * 1000003 - 40000));
    values.push_back(ObjectValue(ints));
    auto* set = new store::SetObject();
    for (size_t i = 0; i < n; ++i) set->Add("m" + std::to_string(i));
    values.push_back(ObjectValue(set));
    auto* zset = new store::ZSet();
    for (size_t i = 0; i < n; ++i)
      zset->Set("m" + std::to_string(i), static_cast<double>(i) / 3 - 7);
    values.push_back(ObjectValue(zset));
    auto* stream = new store::Stream();
    for (size_t i = 0; i < n; ++i) {
      std::string value = std::to_string(i);
      std::vector<std::string_view> fv = {"field", value};
      if (i % 5 == 4) fv = {"other", value, "x", std::string_view("y")};
      stream->Add({1000 + i / 2, i % 2}, fv);
    }
    store::StreamGroup* g = stream->CreateGroup("grp", {1000, 1}, 2);
    bool created = false;
    uint64_t cid = g->GetOrCreateConsumer("worker", 1234, &created)->cid;
    g->SetPending({{1000, 0}, cid, 5678, 3});
    g->SetPending({{1000, 1}, cid, 5679, 1});
    stream->CreateGroup("empty", {}, store::kInvalidEntriesRead);
    values.push_back(ObjectValue(stream));
  }
  for (const Value& v : values) {
    std::string bytes = Encode(v);
    Value back = Decode(bytes);
    CHECK(back.type == v.type);
    CHECK(Canonical(back) == Canonical(v));
  }
}

TEST_CASE("large collections use the plain forms, small ones the packed forms") {
  auto type_of = [](const Value& v) { return static_cast<uint8_t>(Encode(v)[0]); };
  auto* small = new store::HashObject();
  small->Set("a", "b");
  CHECK(type_of(ObjectValue(small)) == kTypeHashListpack);
  auto* big = new store::HashObject();
  for (int i = 0; i < 600; ++i) big->Set(std::to_string(i) + "f", "v");  // > 512 fields
  CHECK(type_of(ObjectValue(big)) == kTypeHash);
  auto* zbig = new store::ZSet();
  for (int i = 0; i < 200; ++i) zbig->Set(std::to_string(i) + "m", i);
  CHECK(type_of(ObjectValue(zbig)) == kTypeZSet2);
  auto* words = new store::SetObject();
  words->Add("word");
  CHECK(type_of(ObjectValue(words)) == kTypeSet);  // Redis 7.0 has no set listpack
}

TEST_CASE("a long list is split into listpack nodes of at most 8 KB") {
  auto* list = new store::ListObject();
  for (int i = 0; i < 2000; ++i) list->Push(store::ListSide::kTail, std::string(40, 'a' + i % 26));
  std::string bytes = Encode(ObjectValue(list));
  CHECK(static_cast<uint8_t>(bytes[1]) > 1);  // more than one node (a 6-bit length)
  CHECK(ListItems(Decode(bytes)).size() == 2000);
}

// ---- damage ----

TEST_CASE("every truncation of every encoded type is refused") {
  std::vector<std::string> bodies = {
      Body("120102242400000006008161028162020701ded402f2701101048b68656c6c6f20776f726c640cff0a"
           "00ff364d9b74035f60"),
      Body("10141400000004008266310382763103816e022a01ff0a003138f0c7327a23d3"),
      Body("0b100200000004000000fbff0100020003000a00c8e4dfb66f7396f0"),
      Body("111a1a0000000600816302dffd02816102010181620283322e3504ff0a00a68a1ab1a9f2dcc2"),
      Body("130110000000000000000100000000000000013d3d00000019000301000102018161028162020001020"
           "10001000101010201050102010001010103010401050100010101dfff02010181630205010601ff0302"
           "000101000003010267310101010100000000000000010000000000000001f1f7063ea20100000101056"
           "16c696365f1f7063ea201000001000000000000000100000000000000010a00abdfc03c1112e305"),
  };
  for (const std::string& body : bodies) {
    for (size_t cut = 0; cut < body.size(); ++cut) {
      std::string_view in(body.data(), cut);
      Value v;
      CHECK_FALSE(DecodeObject(&in, &v));
    }
  }
}

TEST_CASE("flipped bytes never crash the decoder") {
  std::string stream = Body(
      "130110000000000000000100000000000000013d3d00000019000301000102018161028162020001020100"
      "01000101010201050102010001010103010401050100010101dfff020101816302050106"
      "01ff0302000101000003010267310101010100000000000000010000000000000001f1f7063ea201000001"
      "0105616c696365f1f7063ea201000001000000000000000100000000000000010a00abdfc03c1112e305");
  std::string list = Body(
      "120102242400000006008161028162020701ded402f2701101048b68656c6c6f20776f726c640cff0a00ff"
      "364d9b74035f60");
  for (const std::string& body : {stream, list}) {
    for (size_t i = 0; i < body.size(); ++i) {
      for (uint8_t mask : {0x01, 0x80, 0xFF}) {
        std::string damaged = body;
        damaged[i] = static_cast<char>(damaged[i] ^ mask);
        std::string_view in = damaged;
        Value v;
        (void)DecodeObject(&in, &v);  // either answer is fine; no crash, no overrun
      }
    }
  }
}

TEST_CASE("randomly mutated encodings of every type never crash the decoder") {
  std::vector<std::string> seeds;
  auto* list = new store::ListObject();
  auto* hash = new store::HashObject();
  auto* zset = new store::ZSet();
  auto* set = new store::SetObject();
  auto* stream = new store::Stream();
  for (int i = 0; i < 40; ++i) {
    std::string n = std::to_string(i * 37 - 500);
    list->Push(store::ListSide::kTail, n);
    hash->Set("f" + n, n);
    zset->Set(n, i * 1.25);
    set->Add(n);
    std::vector<std::string_view> fv = {"k", n};
    stream->Add({static_cast<uint64_t>(i + 1), 0}, fv);
  }
  store::StreamGroup* g = stream->CreateGroup("g", {3, 0}, 3);
  bool created = false;
  uint64_t cid = g->GetOrCreateConsumer("c", 1, &created)->cid;
  g->SetPending({{2, 0}, cid, 9, 2});
  for (Value v : {ObjectValue(list), ObjectValue(hash), ObjectValue(zset), ObjectValue(set),
                  ObjectValue(stream), StringValue("some string value")}) {
    seeds.push_back(Encode(v));
  }
  std::mt19937_64 rng(20261203);
  for (int round = 0; round < 20000; ++round) {
    std::string body = seeds[rng() % seeds.size()];
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < edits; ++k) {
      size_t at = rng() % body.size();
      switch (rng() % 3) {
        case 0: body[at] = static_cast<char>(rng()); break;
        case 1: body.erase(at, 1 + rng() % 8); break;
        default: body.insert(at, 1, static_cast<char>(rng())); break;
      }
      if (body.empty()) body = "x";
    }
    std::string_view in = body;
    Value v;
    if (DecodeObject(&in, &v)) Encode(v);  // whatever decodes is a value cairn can use
  }
}

TEST_CASE("hostile bodies are refused") {
  const char* bodies[] = {
      "07",                    // a module
      "0081ffffffffffffffff",  // a string of 2^64-1 bytes
      "0181ffffffffffffffff",  // a list of 2^64-1 elements
      "0200",                  // an empty set
      "0202016101"
      "61",  // a member twice
      "0402016101620161016"
      "3",  // a field twice
      "120102070700000000"
      "00ff",                  // a quicklist of one empty listpack: an empty list
      "1007080000000000ff",    // a listpack whose size is not its header's
      "13000000000000000000",  // a stream cut before its group count
  };
  for (const char* hex : bodies) {
    std::string body = FromHex(hex);
    std::string_view in = body;
    Value v;
    CHECK_MESSAGE(!DecodeObject(&in, &v), hex);
  }
}

TEST_CASE("the dump frame: a wrong checksum or a newer version is refused") {
  std::string payload = FromHex("000568656c6c6f0a006372df766534200a");
  std::string_view body;
  CHECK(VerifyDumpPayload(payload, &body));
  CHECK(body == FromHex("000568656c6c6f"));
  std::string wrong = payload;
  wrong.back() = static_cast<char>(wrong.back() ^ 1);
  CHECK_FALSE(VerifyDumpPayload(wrong, &body));
  std::string newer = FromHex("000568656c6c6f");
  newer += std::string("\x0b\x00", 2);
  std::string framed = FromHex("000568656c6c6f");
  AppendDumpFooter(&framed);
  CHECK(framed == payload);
  CHECK_FALSE(VerifyDumpPayload(newer + std::string(8, '\0'), &body));
  CHECK_FALSE(VerifyDumpPayload(std::string(9, '\0'), &body));
}

}  // namespace
}  // namespace cairn::rdb
