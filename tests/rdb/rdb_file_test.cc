// tests/rdb/rdb_file_test.cc — whole RDB files: a store saved and loaded back holds the same
// keys, TTLs, databases and function libraries; the file has Redis's header, AUX fields and
// CRC; a file from redis-server 7.0 loads; every truncation and damaged byte gives an error
// with an offset, never a crash.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/rdb/crc64.h"
#include "store/rdb/rdb_file_reader.h"
#include "store/rdb/rdb_format.h"
#include "store/rdb/rdb_keyspace.h"
#include "store/store.h"
#include "store/types/hash/hash.h"
#include "store/types/list/list.h"
#include "tests/rdb/string_source.h"
#include "tests/support/temp_dir.h"

namespace cairn::rdb {
namespace {

using store::Store;
using store::Value;
using store::ValueType;
using testing::StringSource;

void PutString(Store& s, int db, std::string_view key, std::string_view value, int64_t at = 0) {
  s.Access(db, key, [&](store::KeyHandle& h) {
    h.Put(Value(store::BufRef::Copy(value)), at);
  });
}

void PutList(Store& s, int db, std::string_view key, int n) {
  s.Access(db, key, [&](store::KeyHandle& h) {
    auto* list = new store::ListObject();
    for (int i = 0; i < n; ++i) list->Push(store::ListSide::kTail, "item-" + std::to_string(i));
    h.Put(Value(store::ObjRef(list)), 0);
  });
}

std::string GetString(Store& s, int db, std::string_view key, int64_t* at = nullptr) {
  return s.Access(db, key, [&](store::KeyHandle& h) {
    store::Entry* e = h.Find();
    if (e == nullptr) return std::string("(nil)");
    if (at != nullptr) *at = e->expire_at_ms;
    if (e->value.type != ValueType::kString) return std::string("(") + "collection)";
    return std::string(e->value.str.view());
  });
}

constexpr int64_t kFarFuture = 4102444800000;  // 2100-01-01

std::string Save(Store& s, RdbSaveOptions options = {}) {
  std::string file;
  Result<RdbSaveInfo> saved = SaveRdb(s, options, [&](std::string_view bytes) {
    file.append(bytes);
    return Status::Ok();
  });
  REQUIRE(saved.ok());
  CHECK(saved->bytes == file.size());
  return file;
}

Result<RdbLoadInfo> Load(Store& s, std::string_view file, size_t chunk,
                         std::vector<std::string>* functions = nullptr) {
  StringSource source(file, chunk);
  RdbLoadOptions options;
  options.now_ms = 1000;
  options.on_function = [&](std::string_view code) {
    if (functions != nullptr) functions->emplace_back(code);
    return Status::Ok();
  };
  return LoadRdb(s, source, options);
}

Store& Sample() {
  static Store* s = [] {
    auto* store = new Store();
    PutString(*store, 0, "plain", "hello");
    PutString(*store, 0, "number", "12345");
    PutString(*store, 0, "ttl", "soon", kFarFuture);
    PutString(*store, 3, "other-db", std::string(100000, 'x'));
    PutList(*store, 5, "list", 3000);
    store->SetMeta("function:lib", "#!lua name=lib\nredis.register_function('f', function() end)");
    store->SetMeta("unrelated", "not a function");
    return store;
  }();
  return *s;
}

TEST_CASE("a saved store loads back with its databases, TTLs and function libraries") {
  RdbSaveOptions options;
  options.aux = {{"redis-ver", "7.0.15"}, {"redis-bits", "64"}};
  options.function_meta_prefix = "function:";
  std::string file = Save(Sample(), options);
  CHECK(file.substr(0, 9) == "REDIS0010");
  // The last 8 bytes are the CRC-64 of everything before them.
  uint64_t stored = 0;
  for (int i = 7; i >= 0; --i)
    stored = (stored << 8) | static_cast<uint8_t>(file[file.size() - 8 + i]);
  CHECK(stored == Crc64(0, std::string_view(file).substr(0, file.size() - 8)));

  for (size_t chunk : {size_t{1}, size_t{7}, size_t{1} << 20}) {
    CAPTURE(chunk);
    Store loaded;
    std::vector<std::string> functions;
    Result<RdbLoadInfo> info = Load(loaded, file, chunk, &functions);
    REQUIRE(info.ok());
    CHECK(info->loaded == 5);
    CHECK(info->read.checksum_checked);
    CHECK(GetString(loaded, 0, "plain") == "hello");
    CHECK(GetString(loaded, 0, "number") == "12345");
    int64_t at = 0;
    CHECK(GetString(loaded, 0, "ttl", &at) == "soon");
    CHECK(at == kFarFuture);
    CHECK(GetString(loaded, 3, "other-db") == std::string(100000, 'x'));
    CHECK(GetString(loaded, 0, "other-db") == "(nil)");
    CHECK(loaded.Stats(5).keys == 1);
    REQUIRE(functions.size() == 1);
    CHECK(functions[0].rfind("#!lua name=lib", 0) == 0);
  }
}

TEST_CASE("a save without keys holds the header, AUX fields and functions only") {
  RdbSaveOptions options;
  options.aux = {{"redis-ver", "7.0.15"}};
  options.function_meta_prefix = "function:";
  options.keys = false;
  options.after_key = [] { FAIL("no key is written"); };
  std::string file = Save(Sample(), options);
  CHECK(file.substr(0, 9) == "REDIS0010");
  Store loaded;
  std::vector<std::string> functions;
  Result<RdbLoadInfo> info = Load(loaded, file, 7, &functions);
  REQUIRE(info.ok());
  CHECK(info->loaded == 0);
  CHECK(info->read.checksum_checked);
  REQUIRE(functions.size() == 1);
  CHECK(functions[0].rfind("#!lua name=lib", 0) == 0);

  options.function_meta_prefix.clear();  // nothing at all (an empty include filter)
  file = Save(Sample(), options);
  CHECK(Load(loaded, file, 7, &functions).ok());
  CHECK(functions.size() == 1);  // none added
}

TEST_CASE("keys whose TTL has passed are skipped on load") {
  Store s;
  PutString(s, 0, "gone", "x", 500);
  PutString(s, 0, "kept", "y");
  std::string file = Save(s);
  Store loaded;
  Result<RdbLoadInfo> info = Load(loaded, file, 4096);
  REQUIRE(info.ok());
  CHECK(info->expired == 1);
  CHECK(GetString(loaded, 0, "gone") == "(nil)");
  CHECK(GetString(loaded, 0, "kept") == "y");
}

std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

// redis-server 7.0.15 with rdbcompression no: SET s hello, PEXPIREAT s 4102444800000, RPUSH
// l a b, HSET h f v, in database 2 SADD z 1 2 3, FUNCTION LOAD of library mylib, SAVE.
constexpr std::string_view kRedisDump =
    "524544495330303130fa0972656469732d76657206372e302e3135fa0a72656469732d62697473c040fa0563"
    "74696d65c21740126bfa08757365642d6d656dc2d89a1000fa08616f662d62617365c000f5404623216c7561"
    "206e616d653d6d796c69620a72656469732e72656769737465725f66756e6374696f6e282766272c2066756e"
    "6374696f6e28292072657475726e203120656e6429fe00fb03011001680d0d0000000200816602817602ff12"
    "016c01020d0d0000000200816102816202fffc00d8c32cbb0300000001730568656c6c6ffe02fb01000b017a"
    "0e0200000003000000010002000300ff63d5c069eecbd87e";

TEST_CASE("a dump.rdb written by redis-server 7.0 loads with its AUX fields, TTL and library") {
  std::string file = FromHex(kRedisDump);
  struct Collect final : RdbVisitor {
    std::vector<std::string> aux, functions;
    std::vector<RdbKey> keys;
    Status OnAux(std::string_view name, std::string_view value) override {
      aux.push_back(std::string(name) + "=" + std::string(value));
      return Status::Ok();
    }
    Status OnFunction(std::string_view code) override {
      functions.emplace_back(code);
      return Status::Ok();
    }
    Status OnKey(RdbKey&& key) override {
      keys.push_back(std::move(key));
      return Status::Ok();
    }
  } seen;
  StringSource source(file, 3);
  Result<RdbReadInfo> info = ReadRdbFile(source, seen);
  REQUIRE(info.ok());
  CHECK(info->version == 10);
  CHECK(info->checksum_checked);
  CHECK(info->bytes == file.size());
  CHECK(seen.aux.front() == "redis-ver=7.0.15");
  CHECK(seen.aux.size() == 5);
  REQUIRE(seen.functions.size() == 1);
  CHECK(seen.functions[0].rfind("#!lua name=mylib\n", 0) == 0);
  REQUIRE(seen.keys.size() == 4);
  CHECK(seen.keys[2].key == "s");
  CHECK(seen.keys[2].expire_at_ms == kFarFuture);
  CHECK(seen.keys[2].value.str.view() == "hello");
  CHECK(seen.keys[3].key == "z");
  CHECK(seen.keys[3].db == 2);
  CHECK(seen.keys[3].value.type == ValueType::kSet);
  CHECK(seen.keys[0].value.type == ValueType::kHash);
  CHECK(seen.keys[1].value.type == ValueType::kList);
}

TEST_CASE("every prefix of a file ends in an error, never a crash or a partial success") {
  std::string file = Save(Sample(), RdbSaveOptions{{{"redis-ver", "7.0.15"}}, "function:"});
  for (size_t cut = 0; cut < file.size(); cut += (cut < 400 ? 1 : 997)) {
    Store loaded;
    Result<RdbLoadInfo> info = Load(loaded, std::string_view(file).substr(0, cut), 512);
    CAPTURE(cut);
    REQUIRE_FALSE(info.ok());
    CHECK(info.status().code() == Code::kCorruption);
  }
}

TEST_CASE("a damaged byte is reported with an offset") {
  std::string file = Save(Sample(), RdbSaveOptions{{{"redis-ver", "7.0.15"}}, "function:"});
  for (size_t at = 9; at < file.size(); at += 13) {
    std::string bad = file;
    bad[at] = static_cast<char>(bad[at] ^ 0x5A);
    Store loaded;
    Result<RdbLoadInfo> info = Load(loaded, bad, 4096);
    CAPTURE(at);
    REQUIRE_FALSE(info.ok());
    CHECK(std::string(info.status().message()).find("offset") != std::string::npos);
  }
}

TEST_CASE("a record claiming a huge length fails at the end of the input") {
  // A string key whose value says 2^40 bytes follow.
  std::string file = "REDIS0010";
  file += '\0';                                                    // type string
  file += "\x01k";                                                 // key "k"
  file += std::string("\x81\x00\x00\x01\x00\x00\x00\x00\x00", 9);  // length 2^40
  file += "abc";
  Store loaded;
  Result<RdbLoadInfo> info = Load(loaded, file, 4096);
  REQUIRE_FALSE(info.ok());
  CHECK(std::string(info.status().message()) ==
        "bad or truncated key (type 0) at offset 9 (the input ends at offset 24)");
}

TEST_CASE("an old file (version 3: seconds TTL, no checksum) and LRU/LFU records load") {
  // EXPIRETIME 2000000000 s, key "old" = "v"; then IDLE 5 and FREQ 7 before key "hot".
  std::string file = std::string("REDIS0003") + "\xfd" + std::string("\x00\x94\x35\x77", 4) + '\0' +
                     "\x03old\x01v" + "\xf8\x05" + "\xf9\x07" + '\0' + "\x03hot\x01w" + "\xff";
  Store loaded;
  Result<RdbLoadInfo> info = Load(loaded, file, 5);
  REQUIRE(info.ok());
  CHECK(info->read.version == 3);
  CHECK_FALSE(info->read.checksum_checked);
  int64_t at = 0;
  CHECK(GetString(loaded, 0, "old", &at) == "v");
  CHECK(at == 2000000000000);
  CHECK(GetString(loaded, 0, "hot", &at) == "w");
  CHECK(at == 0);
}

TEST_CASE("a file written without a checksum (all zeros) loads; a wrong one does not") {
  std::string file = Save(Sample(), RdbSaveOptions{{{"redis-ver", "7.0.15"}}, "function:"});
  std::string zero = file.substr(0, file.size() - 8) + std::string(8, '\0');
  Store a;
  Result<RdbLoadInfo> info = Load(a, zero, 4096);
  REQUIRE(info.ok());
  CHECK_FALSE(info->read.checksum_checked);
  std::string wrong = zero;
  wrong.back() = 1;
  Store b;
  info = Load(b, wrong, 4096);
  REQUIRE_FALSE(info.ok());
  CHECK(std::string(info.status().message()).rfind("wrong checksum at offset", 0) == 0);
}

TEST_CASE("headers that are not RDB, or too new, are refused by name") {
  Store loaded;
  Result<RdbLoadInfo> info = Load(loaded, "CAIRNSNP....", 4096);
  REQUIRE_FALSE(info.ok());
  CHECK(std::string(info.status().message()) == "not an RDB file (no REDIS header)");
  info = Load(loaded, std::string("REDIS0011\xff") + std::string(8, '\0'), 4096);
  REQUIRE_FALSE(info.ok());
  CHECK(std::string(info.status().message()) == "RDB version 11 is not supported (1 to 10)");
}

TEST_CASE("a key twice in a database and a database past the store's are refused") {
  std::string twice = std::string("REDIS0009") + '\0' + "\x01k\x01v" + '\0' + "\x01k\x01w" +
                      "\xff" + std::string(8, '\0');
  Store loaded;
  Result<RdbLoadInfo> info = Load(loaded, twice, 4096);
  REQUIRE_FALSE(info.ok());
  CHECK(std::string(info.status().message()).find("twice") != std::string::npos);
  std::string far_db =
      std::string("REDIS0009\xfe\x20") + '\0' + "\x01k\x01v\xff" + std::string(8, '\0');
  Store other;
  info = Load(other, far_db, 4096);
  REQUIRE_FALSE(info.ok());
  CHECK(std::string(info.status().message()).find("database 32") != std::string::npos);
}

// Records RESIZEDB hints; keys and functions are only counted.
struct HintVisitor final : RdbVisitor {
  std::vector<std::pair<int, uint64_t>> hints;
  int keys = 0;
  Status OnFunction(std::string_view) override { return Status::Ok(); }
  Status OnKey(RdbKey&&) override {
    ++keys;
    return Status::Ok();
  }
  Status OnResizeDb(int db, uint64_t count) override {
    hints.emplace_back(db, count);
    return Status::Ok();
  }
};

TEST_CASE("RESIZEDB reaches the loader as a hint no larger than the rest of the file can hold") {
  Store s;
  PutString(s, 0, "a", "1");
  PutString(s, 0, "b", "2");
  PutString(s, 3, "c", "3");
  std::string saved = Save(s);
  HintVisitor from_save;
  rdb::StringSource whole(saved);
  REQUIRE(ReadRdbFile(whole, from_save).ok());
  CHECK(from_save.hints == std::vector<std::pair<int, uint64_t>>{{0, 2}, {3, 1}});

  // A file declaring 2^40 keys before its one key: 14 bytes follow the hint (the key's 5,
  // the end marker, the checksum), room for 4 keys at the least a key takes.
  std::string huge = std::string("REDIS0010\xfe") + '\0' + "\xfb\x81" + std::string(2, '\0') +
                     '\x01' + std::string(5, '\0') + '\0' + '\0' + "\x01k\x01v\xff" +
                     std::string(8, '\0');
  HintVisitor bounded;
  rdb::StringSource sized(huge);
  REQUIRE(ReadRdbFile(sized, bounded).ok());
  CHECK(bounded.keys == 1);
  CHECK(bounded.hints == std::vector<std::pair<int, uint64_t>>{{0, 4}});
  // A source that cannot say what is left (a socket) gives no hint to size by.
  HintVisitor unknown;
  StringSource chunked(huge, 7);
  REQUIRE(ReadRdbFile(chunked, unknown).ok());
  CHECK(unknown.hints == std::vector<std::pair<int, uint64_t>>{{0, 0}});
  // Unless it names a bound of its own (a replica's link to its primary): the hint is
  // taken up to it, and the bound is one budget for the file, as the room is.
  HintVisitor trusted;
  StringSource linked(huge, 7, /*hint_keys=*/1000);
  REQUIRE(ReadRdbFile(linked, trusted).ok());
  CHECK(trusted.hints == std::vector<std::pair<int, uint64_t>>{{0, 1000}});
  HintVisitor honest;
  StringSource linked_saved(saved, 7, /*hint_keys=*/1000);
  REQUIRE(ReadRdbFile(linked_saved, honest).ok());
  CHECK(honest.hints == std::vector<std::pair<int, uint64_t>>{{0, 2}, {3, 1}});
  // And the store takes the file whole either way (sized by the hint, or not).
  Store loaded;
  REQUIRE(Load(loaded, huge, 7).ok());
  CHECK(GetString(loaded, 0, "k") == "v");
  Store sized_store;
  rdb::StringSource whole_huge(huge);
  RdbLoadOptions options;
  REQUIRE(LoadRdb(sized_store, whole_huge, options).ok());
  CHECK(GetString(sized_store, 0, "k") == "v");
}

TEST_CASE("RESIZEDB for every database shares one budget: the file's room, claimed once") {
  // Sixteen databases each declaring 2^20 keys, then 100 one-byte keys in database 0: the
  // hints together stay within what the bytes after the first of them can hold.
  std::string file = "REDIS0010";
  for (int db = 15; db >= 0; --db) {
    file += std::string("\xfe") + static_cast<char>(db) + "\xfb\x80" + std::string(1, '\0') +
            '\x10' + std::string(2, '\0') + '\0';
  }
  for (int i = 0; i < 100; ++i) {
    file += std::string(1, '\0') + "\x01" + static_cast<char>('a' + i % 26) + "\x01v";
  }
  file += "\xff" + std::string(8, '\0');
  HintVisitor visitor;
  rdb::StringSource source(file);
  REQUIRE(ReadRdbFile(source, visitor).ok());
  REQUIRE(visitor.hints.size() == 16);
  uint64_t sum = 0;
  for (const auto& [db, keys] : visitor.hints) sum += keys;
  CHECK(sum <= (file.size() - 9 - 8) / kMinKeyBytes);
  CHECK(visitor.hints[0].second > 0);
}

TEST_CASE("a file source knows what is left of a regular file, from where it starts reading") {
  cairn::test::TempDir dir;
  std::string path = dir.path() + "/source";
  FILE* f = std::fopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  std::fputs("0123456789", f);
  std::fclose(f);
  int fd = ::open(path.c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  REQUIRE(::lseek(fd, 4, SEEK_SET) == 4);
  FdSource file(fd);
  CHECK(file.BytesLeft() == 6);
  std::string out;
  REQUIRE(file.Read(4, &out).ok());
  CHECK(file.BytesLeft() == 2);

  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  ::close(fds[1]);
  FdSource pipe(fds[0]);
  CHECK_FALSE(pipe.BytesLeft().has_value());
}

TEST_CASE("the first damage in file order is named, and the keys before it are loaded") {
  // k, then k again, then a key in database 32: the second k is the first damage.
  std::string file = std::string("REDIS0009") + '\0' + "\x01x\x01v" + '\0' + "\x01k\x01v" +
                     '\0' + "\x01k\x01w" + "\xfe\x20" + '\0' + "\x01z\x01v\xff" +
                     std::string(8, '\0');
  Store loaded;
  Result<RdbLoadInfo> info = Load(loaded, file, 4096);
  REQUIRE_FALSE(info.ok());
  CHECK(std::string(info.status().message()).find("\"k\" appears twice") != std::string::npos);
  CHECK(GetString(loaded, 0, "x") == "v");
  CHECK(GetString(loaded, 0, "k") == "v");
  // Damage after good keys: the keys read before it are in the store, as one at a time.
  std::string truncated =
      std::string("REDIS0009") + '\0' + "\x01x\x01v" + '\0' + "\x01y\x01v" + '\0' + "\x09q";
  Store partial;
  info = Load(partial, truncated, 4096);
  REQUIRE_FALSE(info.ok());
  CHECK(GetString(partial, 0, "x") == "v");
  CHECK(GetString(partial, 0, "y") == "v");
}

}  // namespace
}  // namespace cairn::rdb
