// src/commands/debug_digest.cc — see debug_digest.h.
#include "src/commands/debug_digest.h"

#include <string>

#include "resp/number.h"
#include "store/types/hash/hash.h"
#include "store/types/list/list.h"
#include "store/types/set/set.h"
#include "store/types/stream/stream.h"
#include "store/types/zset/zset.h"

namespace cairn::server {
namespace {

constexpr Sha1Digest kZero{};

void Xor(Sha1Digest& d, std::string_view bytes) {
  Sha1Digest h = Sha1(bytes);
  for (size_t i = 0; i < d.size(); ++i) d[i] ^= h[i];
}

void Mix(Sha1Digest& d, std::string_view bytes) {
  Xor(d, bytes);
  d = Sha1(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
}

std::string_view View(const Sha1Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

void MixU32(Sha1Digest& d, uint32_t v) {
  char be[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                static_cast<char>(v >> 8), static_cast<char>(v)};
  Mix(d, std::string_view(be, sizeof(be)));
}

// Redis's type codes (OBJ_STRING ... OBJ_STREAM).
uint32_t TypeCode(store::ValueType type) {
  switch (type) {
    case store::ValueType::kString: return 0;
    case store::ValueType::kList: return 1;
    case store::ValueType::kSet: return 2;
    case store::ValueType::kZSet: return 3;
    case store::ValueType::kHash: return 4;
    case store::ValueType::kStream: return 6;
  }
  return 0;
}

// The per-element digest of sorted sets and hashes: mix(mix(0, a), b), xored into d.
void XorPair(Sha1Digest& d, std::string_view a, std::string_view b) {
  Sha1Digest e = kZero;
  Mix(e, a);
  Mix(e, b);
  Xor(d, View(e));
}

void DigestCollection(Sha1Digest& d, const store::Value& value) {
  const store::Object& obj = *value.obj.get();
  switch (value.type) {
    case store::ValueType::kList: {
      const auto& list = static_cast<const store::ListObject&>(obj);
      std::string scratch;
      list.VisitRange(0, list.size(), [&](const store::ListElem& e) {
        Mix(d, store::ListElemText(e, &scratch));
      });
      return;
    }
    case store::ValueType::kSet:
      static_cast<const store::SetObject&>(obj).ForEach(
          [&](std::string_view member) { Xor(d, member); });
      return;
    case store::ValueType::kZSet: {
      const auto& zset = static_cast<const store::ZSet&>(obj);
      zset.VisitRanks(0, zset.size(), false, [&](std::string_view member, double score) {
        char buf[resp::kMaxDoubleChars];  // Redis digests the score as %.17g prints it
        XorPair(d, member, std::string_view(buf, resp::FormatDouble(score, buf)));
      });
      return;
    }
    case store::ValueType::kHash:
      static_cast<const store::HashObject&>(obj).ForEach(
          [&](std::string_view field, std::string_view v) { XorPair(d, field, v); });
      return;
    case store::ValueType::kStream:
      static_cast<const store::Stream&>(obj).Range(
          store::StreamId{}, store::StreamId::Max(), false,
          [&](store::StreamId id, std::span<const std::string_view> fv) {
            Mix(d, std::to_string(id.ms) + "." + std::to_string(id.seq));
            for (std::string_view s : fv) Mix(d, s);
            return true;
          });
      return;
    case store::ValueType::kString:
      return;
  }
}

// Continues d with value's digest (Redis's xorObjectDigest).
void DigestValue(Sha1Digest& d, const store::Value& value, bool has_expire) {
  MixU32(d, TypeCode(value.type));
  if (value.is_string()) {
    Mix(d, value.str.view());
  } else {
    DigestCollection(d, value);
  }
  if (has_expire) Xor(d, "!!expire!!");
}

}  // namespace

Sha1Digest ValueDigest(const store::Value& value, bool has_expire) {
  Sha1Digest d = kZero;
  DigestValue(d, value, has_expire);
  return d;
}

Sha1Digest DatasetDigest(store::Store& store) {
  Sha1Digest final = kZero;
  for (int db = 0; db < store.databases(); ++db) {
    bool mixed = false;
    store.ForEach(db, [&](const store::Entry& e) {
      if (!mixed) {  // only a database that holds keys
        MixU32(final, static_cast<uint32_t>(db));
        mixed = true;
      }
      Sha1Digest key_digest = kZero;
      Mix(key_digest, e.key());
      DigestValue(key_digest, e.value, e.has_expire());
      Xor(final, View(key_digest));
    });
  }
  return final;
}

}  // namespace cairn::server
