// tests/fuzz/make_seeds.cc — writes a seed corpus for every fuzz target from bytes the real
// code produces, so the fuzzers start from valid inputs and mutate inward: the WAL payloads
// recorded while store operations of every family run, a WAL segment holding them, a
// snapshot of the store they built, each collection's encoding, each key's RDB object and an
// RDB file of them all, and RESP requests.
//   cairn_fuzz_seeds OUT_DIR        writes OUT_DIR/<target>/<name> (scripts/fuzz runs it)
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "store/durability/snapshot.h"
#include "store/durability/wal_format.h"
#include "store/rdb/rdb_keyspace.h"
#include "store/rdb/rdb_object.h"
#include "store/store.h"
#include "store/types/hash/hash_ops.h"
#include "store/types/list/list_ops.h"
#include "store/types/set/set_ops.h"
#include "store/types/stream/stream_ops.h"
#include "store/types/zset/zset_ops.h"
#include "tests/fuzz/store_entries.h"
#include "tests/store/store_testing.h"

namespace cairn::fuzz {
namespace {

namespace fs = std::filesystem;
using namespace store;  // NOLINT: the store operations below

void Write(const fs::path& dir, const std::string& name, std::string_view bytes) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary).write(bytes.data(), bytes.size());
}

// ---- store operations of every family, each logged as one WAL payload ----

void Strings(Store& s) {
  using testing::StringValue;
  s.Access(0, "s", [](KeyHandle& h) { h.Put(StringValue("hello"), 0); });
  s.Access(1, "ttl", [](KeyHandle& h) { h.Put(StringValue("soon"), 1'900'000'000'000); });
  s.Access(0, "s", [](KeyHandle& h) { h.Append(h.Find(), " world"); });
  s.Access(0, "r",
           [](KeyHandle& h) { h.PutRange(BufRef::Copy(std::string_view("\0\0ab", 4)), 2, "ab"); });
  s.Access(0, "s", [](KeyHandle& h) { h.SetExpire(h.Find(), 2'000'000'000'000); });
  s.Access(0, "s", [](KeyHandle& h) { h.Put(StringValue("kept"), kKeepTtl); });
  KeyRef rename[] = {{0, "r"}, {0, "r2"}};
  s.AccessMany(rename, [](std::span<KeyHandle> h) { h[0].MoveTo(h[1]); });
  KeyRef copy[] = {{0, "s"}, {2, "s"}};
  s.AccessMany(copy, [](std::span<KeyHandle> h) { h[0].CopyTo(h[1]); });
  KeyRef move[] = {{1, "ttl"}, {3, "ttl"}};
  s.AccessMany(move, [](std::span<KeyHandle> h) { h[0].MoveTo(h[1]); });
  s.Access(0, "gone", [](KeyHandle& h) { h.Put(StringValue("x"), 0); });
  s.Access(0, "gone", [](KeyHandle& h) { h.Delete(); });
  s.SwapDb(2, 3);
  s.FlushDb(5);
}

void Lists(Store& s) {
  std::string big(3000, 'L');
  std::string_view head[] = {"a", "12", "-7", "b"};
  std::string_view tail[] = {big, big, big, "z"};
  s.Access(0, "l", [&](KeyHandle& h) { ListPush(h, h.Find(), ListSide::kHead, head); });
  s.Access(0, "l", [&](KeyHandle& h) { ListPush(h, h.Find(), ListSide::kTail, tail); });
  s.Access(0, "l",
           [](KeyHandle& h) { ListPop(h, h.Find(), ListSide::kHead, 1, [](const ListElem&) {}); });
  s.Access(0, "l", [](KeyHandle& h) { ListSet(h, h.Find(), 1, "set"); });
  s.Access(0, "l", [](KeyHandle& h) { ListInsert(h, h.Find(), 2, "ins"); });
  s.Access(0, "l", [](KeyHandle& h) { ListRemove(h, h.Find(), "12", 0, true); });
  s.Access(0, "l", [](KeyHandle& h) { ListTrim(h, h.Find(), 1, 1); });
}

void Hashes(Store& s) {
  std::string_view pairs[] = {"f1", "v1", "f2", "2", "f3", "v3"};
  s.Access(0, "h", [&](KeyHandle& h) { (void)HashSetFields(h, pairs); });
  std::string_view gone[] = {"f2"};
  s.Access(0, "h", [&](KeyHandle& h) { (void)HashDeleteFields(h, gone); });
  std::vector<std::string> fields;
  for (int i = 0; i < 130; ++i) fields.push_back("field" + std::to_string(i));
  std::vector<std::string_view> many;
  for (const std::string& f : fields) many.insert(many.end(), {f, f});
  s.Access(0, "bighash", [&](KeyHandle& h) { (void)HashSetFields(h, many); });
}

void Sets(Store& s) {
  std::string_view ints[] = {"1", "-5", "300"};
  s.Access(0, "si", [&](KeyHandle& h) { (void)SetAdd(h, ints); });
  std::string_view words[] = {"apple", "pear", "7"};
  s.Access(0, "sw", [&](KeyHandle& h) { (void)SetAdd(h, words); });
  std::string_view gone[] = {"pear"};
  s.Access(0, "sw", [&](KeyHandle& h) { (void)SetRemove(h, gone); });
  std::vector<std::string> members;
  for (int i = 0; i < 140; ++i) members.push_back("member" + std::to_string(i));
  std::vector<std::string_view> many(members.begin(), members.end());
  s.Access(0, "sbig", [&](KeyHandle& h) { (void)SetAdd(h, many); });
  s.Access(0, "sstore", [](KeyHandle& h) {
    auto* set = new SetObject();
    ObjRef ref(set);
    set->Add("stored");
    SetStore(h, std::move(ref));  // logged whole, as the ...STORE commands do
  });
}

void SortedSets(Store& s) {
  ZItem few[] = {{1.5, "one"}, {-2, "two"}, {3, "three"}};
  s.Access(0, "z", [&](KeyHandle& h) { (void)ZAdd(h, few, ZAddOptions{}); });
  std::string_view gone[] = {"two"};
  s.Access(0, "z", [&](KeyHandle& h) { (void)ZRemove(h, gone); });
  std::vector<std::string> members;
  for (int i = 0; i < 140; ++i) members.push_back("m" + std::to_string(i));
  std::vector<ZItem> many;
  for (int i = 0; i < 140; ++i) many.push_back({static_cast<double>(i % 7), members[i]});
  s.Access(0, "zbig", [&](KeyHandle& h) { (void)ZAdd(h, many, ZAddOptions{}); });
}

void Streams(Store& s) {
  std::string_view fv1[] = {"name", "ada", "age", "36"};
  std::string_view fv2[] = {"name", "bob", "age", "7"};
  std::string_view fv3[] = {"other", "x"};
  for (uint64_t i = 1; i <= 5; ++i) {
    s.Access(0, "x", [&](KeyHandle& h) {
      std::span<const std::string_view> fv = fv1;
      if (i % 2 == 0) fv = fv2;
      if (i == 3) fv = fv3;
      StreamAdd(h, h.Find(), {1000 + i, i % 2}, fv);
    });
  }
  StreamId ids[] = {{1002, 0}, {1003, 1}};
  s.Access(0, "x", [&](KeyHandle& h) {
    Entry* e = h.Find();
    StreamDelete(h, e, std::span(ids, 1));
    StreamGroupCreate(h, e, "g", {0, 0}, 0);
    StreamConsumerCreate(h, e, "g", "alice", 5000);
    StreamDelivery d{.group = "g",
                     .consumer = "bob",
                     .now_ms = 6000,
                     .is_new = true,
                     .last = {1003, 1},
                     .entries_read = 2,
                     .ids = ids};
    StreamDeliver(h, e, d);
  });
  s.Access(0, "x", [&](KeyHandle& h) {
    Entry* e = h.Find();
    StreamAck(h, e, "g", std::span(ids, 1));
    StreamPending claim[] = {{{1003, 1}, 0, 7000, 2}};
    StreamId last{1004, 0};
    StreamClaimEntries(
        h, e, {.group = "g", .consumer = "alice", .now_ms = 7000, .last = &last, .claims = claim});
    StreamGroupSetId(h, e, "g", {1004, 0}, 3);
  });
  s.Access(0, "x", [&](KeyHandle& h) {
    Entry* e = h.Find();
    StreamTrim(h, e, 1);
    StreamSetId(h, e, {2000, 0}, 9, {1002, 0});
    StreamGroupCreate(h, e, "old", {0, 0}, kInvalidEntriesRead);
    StreamConsumerDelete(h, e, "g", "bob");
    StreamGroupDestroy(h, e, "old");
  });
}

// ---- the seed files ----

std::string Segment(const std::vector<std::string>& records, size_t count, char mode) {
  std::string out(1, mode);
  out += wal::SegmentHeader();
  for (size_t i = 0; i < count && i < records.size(); ++i) {
    wal::PutRecord(&out, wal::kEffects, i + 1, records[i]);
  }
  return out;
}

void WalSeeds(const fs::path& out, const std::vector<std::string>& records) {
  std::string joined;
  for (size_t i = 0; i < records.size(); ++i) {
    Write(out / "effects", "payload" + std::to_string(i), records[i]);
    if (i > 0) joined += kEffectsSeparator;
    joined += records[i];
  }
  Write(out / "effects", "all", joined);
  Write(out / "wal_replay", "all", Segment(records, records.size(), 0));
  Write(out / "wal_replay", "all_fixed", Segment(records, records.size(), 1));
  Write(out / "wal_replay", "first5", Segment(records, 5, 1));
  std::string torn = Segment(records, 3, 0);
  Write(out / "wal_replay", "torn", torn.substr(0, torn.size() - 3));
}

void SnapshotSeeds(const fs::path& out, Store& store) {
  fs::path dir = fs::temp_directory_path() / ("cairn_seeds." + std::to_string(::getpid()));
  fs::create_directories(dir);
  Result<SnapshotInfo> r = WriteSnapshot(store, dir.string());
  if (!r.ok()) {
    std::fprintf(stderr, "snapshot: %s\n", r.status().ToString().c_str());
    std::exit(1);
  }
  std::ifstream in(dir / kSnapshotFileName, std::ios::binary);
  std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  fs::remove_all(dir);
  Write(out / "snapshot", "whole", std::string(1, '\0') + file);
  Write(out / "snapshot", "without_crc", std::string(1, '\1') + file.substr(0, file.size() - 4));
}

void ObjectSeeds(const fs::path& out, Store& store) {
  int n = 0;
  store.ForEach(0, [&](const Entry& e) {
    if (e.value.type == ValueType::kString) return;
    std::string bytes(1, static_cast<char>(static_cast<uint8_t>(e.value.type) - 1));
    e.value.obj->Encode(&bytes);
    Write(out / "object", std::string(e.key()) + std::to_string(n++), bytes);
  });
}

// Each key's RDB object (a RESTORE payload's body), and an RDB file of the whole store read in
// reads of 1, 611 and 15,556 bytes (rdb_entries.h).
void RdbSeeds(const fs::path& out, Store& store) {
  int n = 0;
  store.ForEach(0, [&](const Entry& e) {
    std::string bytes;
    rdb::EncodeObject(e.value, &bytes);
    Write(out / "rdb_object", std::string(e.key()) + std::to_string(n++), bytes);
  });
  std::string file;
  Result<rdb::RdbSaveInfo> r = rdb::SaveRdb(store, {}, [&](std::string_view bytes) {
    file += bytes;
    return Status::Ok();
  });
  if (!r.ok()) {
    std::fprintf(stderr, "rdb: %s\n", r.status().ToString().c_str());
    std::exit(1);
  }
  for (char chunk : {'\0', '\x0a', '\xff'}) {
    Write(out / "rdb_file", "whole" + std::to_string(static_cast<uint8_t>(chunk)), chunk + file);
  }
  // LZF: the RDB file itself (keys, packed blobs), runs, and a repeat 8 KB back.
  Write(out / "lzf", "rdb_file", file);
  Write(out / "lzf", "runs", std::string(300, 'a') + std::string(20, 'b') + std::string(300, 'a'));
  std::string block;
  for (int i = 0; block.size() < 8192; ++i) block += std::to_string(i * 2654435761u);
  block.resize(8192);
  Write(out / "lzf", "far_repeat", block + block.substr(0, 400));
}

void RespSeeds(const fs::path& out) {
  const std::string_view requests[] = {
      "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n",
      "PING\r\nSET \"a b\" 'c\\'d' \"\\x41\\n\"\r\n\r\n\n*0\r\nGET a\n",
      "*1\r\n$4\r\nPING\r\n*-1\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\n",
      "*2\r\n$4\r\nAUTH\r\n$40\r\n0123456789012345678901234567890123456789\r\n",
      "*1\r\n$999999999\r\nabc",
      "*1\r\n$x\r\n",
  };
  int n = 0;
  for (std::string_view r : requests) {
    for (char flags : {'\0', '\1', '\2'}) {
      std::string seed = {flags, static_cast<char>(n * 37)};
      Write(out / "resp_parser", "request" + std::to_string(n++), seed + std::string(r));
    }
  }
}

}  // namespace
}  // namespace cairn::fuzz

int main(int argc, char** argv) {
  using namespace cairn;  // NOLINT
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  std::filesystem::path out = argv[1];
  store::testing::RecordingJournal journal;
  store::Store s;
  s.set_journal(&journal);
  fuzz::Strings(s);
  fuzz::Lists(s);
  fuzz::Hashes(s);
  fuzz::Sets(s);
  fuzz::SortedSets(s);
  fuzz::Streams(s);
  fuzz::WalSeeds(out, journal.records);
  fuzz::SnapshotSeeds(out, s);
  fuzz::ObjectSeeds(out, s);
  fuzz::RdbSeeds(out, s);
  fuzz::RespSeeds(out);
  std::printf("%zu WAL payloads; seeds in %s\n", journal.records.size(), argv[1]);
  return 0;
}
