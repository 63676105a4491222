// tests/fuzz/store_entries.cc — see store_entries.h.
#include "tests/fuzz/store_entries.h"

#include <stdlib.h>

#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>

#include "store/durability/snapshot.h"
#include "store/durability/wal_format.h"
#include "store/durability/wal_reader.h"
#include "store/effects.h"
#include "store/object.h"
#include "store/store.h"
#include "store/types/stream/stream.h"
#include "store/types/zset/zset.h"

namespace cairn::fuzz {
namespace {

using store::Object;
using store::ObjRef;
using store::Store;
using store::ValueType;

// One directory per process for the files the entries write; removed at exit.
class ScratchDir {
 public:
  ScratchDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base != nullptr ? base : "/tmp") + "/cairn_fuzz.XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

const std::string& Scratch() {
  static ScratchDir dir;
  return dir.path();
}

void WriteFile(const std::string& path, std::string_view bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) std::abort();
  if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size()) {
    std::abort();
  }
  if (std::fclose(f) != 0) std::abort();
}

// A store as recovery builds it. Its clock is moved far into the past so that every key the
// input wrote stays visible to the checks below, whatever expiry time the input gave it.
struct FreshStore {
  FreshStore() { store.AdvanceClockForTesting(INT64_MIN / 2); }
  Store store;
};

// Whether the collection's order is part of its encoding (the others iterate hash tables,
// whose order depends on their history).
bool Ordered(ValueType type) {
  return type == ValueType::kList || type == ValueType::kZSet || type == ValueType::kStream;
}

// Members in strictly ascending (score, member) order, each found at its own rank: no
// duplicates, no NaN.
bool ZSetIsSound(const store::ZSet& z) {
  bool sound = true;
  size_t rank = 0;
  double prev_score = 0;
  std::string prev_member;
  z.VisitRanks(0, z.size(), false, [&](std::string_view member, double score) {
    size_t found = 0;
    double found_score = 0;
    sound = sound && !std::isnan(score) && z.Rank(member, &found) && found == rank &&
            z.Score(member, &found_score) && found_score == score &&
            (rank == 0 || store::detail::ZLess(prev_score, prev_member, score, member));
    prev_score = score;
    prev_member = member;
    ++rank;
  });
  return sound && rank == z.size();
}

// Entry IDs strictly ascending and none past the last ID; the length counts them.
bool StreamIsSound(const store::Stream& s) {
  bool sound = true;
  uint64_t length = 0;
  store::StreamId prev;
  s.Range({}, store::StreamId::Max(), false,
          [&](store::StreamId id, std::span<const std::string_view>) {
            sound = sound && (length == 0 || id > prev) && id <= s.last_id();
            prev = id;
            ++length;
            return true;
          });
  return sound && length == s.size();
}

// A collection the live code could have built: not empty (a stream may be), ordered as its
// family keeps it, and its snapshot encoding reads back to the same collection. Anything else
// would make the next snapshot a file the next start refuses, or break a command later.
bool ObjectIsSound(const Object& obj) {
  if (obj.type() != ValueType::kStream && obj.size() == 0) return false;
  if (obj.type() == ValueType::kZSet && !ZSetIsSound(static_cast<const store::ZSet&>(obj))) {
    return false;
  }
  if (obj.type() == ValueType::kStream && !StreamIsSound(static_cast<const store::Stream&>(obj))) {
    return false;
  }
  (void)obj.memory_bytes();
  (void)obj.encoding();
  std::string encoded;
  obj.Encode(&encoded);
  ObjRef back = store::DecodeObject(obj.type(), encoded);
  if (!back || back->size() != obj.size()) return false;
  if (obj.Clone()->size() != obj.size()) return false;
  if (!Ordered(obj.type())) return true;
  std::string again;
  back->Encode(&again);
  return again == encoded;
}

// Recomputes the CRC of every record that frames correctly, from the header on.
void FixRecordCrcs(std::string* segment) {
  size_t pos = store::wal::kHeaderSize;
  while (pos + 4 < segment->size()) {
    store::wal::Decoder d(std::string_view(*segment).substr(pos + 4));
    uint64_t size = 0;
    if (!d.Varint(&size) || size > d.remaining()) return;
    size_t body = segment->size() - d.remaining();
    uint32_t crc = store::wal::MaskCrc(store::wal::Crc32c(segment->data() + body, size));
    for (int i = 0; i < 4; ++i) (*segment)[pos + i] = static_cast<char>(crc >> (8 * i));
    pos = body + size;
  }
}

}  // namespace

bool ValueIsSound(const store::Value& v) {
  if (v.is_string()) return true;  // a Value holds a buffer or an object, never both
  return v.obj && v.obj->type() == v.type && ObjectIsSound(*v.obj.get());
}

bool StoreIsSound(Store& store) {
  bool sound = true;
  for (int db = 0; db < store.databases(); ++db) {
    store.ForEach(db, [&](const store::Entry& e) { sound = sound && ValueIsSound(e.value); });
  }
  return sound;
}

uint64_t KeyCount(Store& store) {
  uint64_t keys = 0;
  for (int db = 0; db < store.databases(); ++db) keys += store.Stats(db).keys;
  return keys;
}

bool WalReplay(std::string_view data) {
  if (data.empty()) return true;
  std::string segment(data.substr(1));
  if ((data[0] & 1) != 0) FixRecordCrcs(&segment);
  const std::string& dir = Scratch();
  WriteFile(dir + "/" + store::wal::SegmentName(1), segment);
  FreshStore fresh;
  bool malformed = false;
  store::wal::WalReadResult r = store::wal::ReadWal(
      dir, 0,
      [&](const store::wal::WalRecord& record) {
        malformed = !store::ApplyEffects(fresh.store, record.payload).ok();
        return !malformed;
      },
      nullptr);
  if (r.offset > segment.size() || r.bytes_dropped > segment.size()) return false;
  return malformed || StoreIsSound(fresh.store);
}

bool Effects(std::string_view data) {
  FreshStore fresh;
  for (size_t start = 0;;) {
    size_t end = data.find(kEffectsSeparator, start);
    std::string_view payload = data.substr(start, end - start);
    if (!store::ApplyEffects(fresh.store, payload).ok()) return true;  // recovery stops here
    if (end == std::string_view::npos) break;
    start = end + kEffectsSeparator.size();
  }
  return StoreIsSound(fresh.store);
}

bool Snapshot(std::string_view data) {
  if (data.empty()) return true;
  std::string file(data.substr(1));
  if ((data[0] & 1) != 0) {
    store::wal::PutU32(&file, store::wal::MaskCrc(store::wal::Crc32c(file.data(), file.size())));
  }
  const std::string& dir = Scratch();
  WriteFile(dir + "/" + store::kSnapshotFileName, file);
  FreshStore fresh;
  Result<store::SnapshotInfo> r = store::LoadSnapshot(fresh.store, dir);
  if (!r.ok()) return !r.status().message().empty();
  return KeyCount(fresh.store) == r->keys && StoreIsSound(fresh.store);
}

bool ObjectDecode(std::string_view data) {
  if (data.empty()) return true;
  auto type = static_cast<ValueType>(1 + static_cast<uint8_t>(data[0]) % 5);
  ObjRef obj = store::DecodeObject(type, data.substr(1));
  return !obj || (obj->type() == type && ObjectIsSound(*obj.get()));
}

std::span<const StoreTarget> StoreTargets() {
  static constexpr StoreTarget kTargets[] = {
      {"wal_replay", WalReplay},
      {"effects", Effects},
      {"snapshot", Snapshot},
      {"object", ObjectDecode},
  };
  return kTargets;
}

}  // namespace cairn::fuzz
