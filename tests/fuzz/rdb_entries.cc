// tests/fuzz/rdb_entries.cc — see rdb_entries.h.
#include "tests/fuzz/rdb_entries.h"

#include <cstdint>
#include <string>

#include "store/lzf.h"
#include "store/rdb/rdb_keyspace.h"
#include "store/rdb/rdb_object.h"
#include "store/store.h"
#include "tests/rdb/string_source.h"

namespace cairn::fuzz {

bool RdbObject(std::string_view data) {
  std::string_view in = data;
  store::Value value;
  if (!rdb::DecodeObject(&in, &value)) return true;  // refused: what damage should get
  if (!ValueIsSound(value)) return false;
  std::string encoded;
  rdb::EncodeObject(value, &encoded);
  std::string_view again = encoded;
  store::Value back;
  return rdb::DecodeObject(&again, &back) && again.empty() && back.type == value.type;
}

bool RdbFile(std::string_view data) {
  if (data.empty()) return true;
  size_t chunk = 1 + static_cast<uint8_t>(data[0]) * size_t{61};
  rdb::testing::StringSource source(data.substr(1), chunk);
  store::Store store;
  rdb::RdbLoadOptions options;
  options.now_ms = 1;  // both paths: a deadline of 1 ms (0 is none) is skipped, others kept
  options.on_function = [](std::string_view) { return Status::Ok(); };
  Result<rdb::RdbLoadInfo> r = rdb::LoadRdb(store, source, options);
  if (!r.ok()) return true;
  return r->loaded + r->expired == r->read.keys && KeyCount(store) == r->loaded &&
         StoreIsSound(store);
}

bool Lzf(std::string_view data) {
  std::string room(data.size() + data.size() / 32 + 8, '\0');
  size_t clen = store::LzfCompress(data, room.data(), room.size());
  if (data.empty()) return clen == 0;
  if (clen == 0 || clen > room.size()) return false;
  std::string back;
  if (!store::LzfDecompress(std::string_view(room.data(), clen), data.size(), &back)) return false;
  if (back != data) return false;
  // Exactly one byte short: the guard sits just past the room given.
  std::string tight(clen, '\0');
  tight.back() = '\x5a';
  return store::LzfCompress(data, tight.data(), clen - 1) == 0 && tight.back() == '\x5a';
}

std::span<const StoreTarget> RdbTargets() {
  static constexpr StoreTarget kTargets[] = {
      {"rdb_object", RdbObject},
      {"rdb_file", RdbFile},
      {"lzf", Lzf},
  };
  return kTargets;
}

}  // namespace cairn::fuzz
