// store/rdb/rdb_encoder.cc — EncodeObject (rdb_object.h): cairn values written as Redis 7.0
// writes the same value in DUMP, type by type (layouts in rdb_format.h).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "store/rdb/packed.h"
#include "store/rdb/rdb_format.h"
#include "store/rdb/rdb_object.h"
#include "store/rdb/rdb_stream.h"
#include "store/rdb/rdb_string.h"
#include "store/types/hash/hash.h"
#include "store/types/list/list.h"
#include "store/types/set/set.h"
#include "store/types/stream/stream.h"
#include "store/types/zset/zset.h"

namespace cairn::rdb {
namespace {

using store::StreamId;

void PutType(std::string* out, RdbType type) { out->push_back(static_cast<char>(type)); }

// A score as Redis stores it inside a sorted-set listpack: integral values within ±2^62 as
// integers, others in the shortest %.17g form, so the listpack bytes match a redis-server's.
std::string ScoreText(double score) {
  if (std::isinf(score)) return score > 0 ? "inf" : "-inf";
  if (score == 0) return std::signbit(score) ? "-0" : "0";
  constexpr double kLimit = static_cast<double>(INT64_MAX / 2);
  if (score >= -kLimit && score <= kLimit) {
    auto integral = static_cast<int64_t>(score);
    if (static_cast<double>(integral) == score) return std::to_string(integral);
  }
  char buf[32];  // %.17g as std::to_chars writes it (see resp/number.cc)
  char* end = std::to_chars(buf, buf + sizeof(buf), score, std::chars_format::general, 17).ptr;
  return std::string(buf, end);
}

void EncodeList(const store::ListObject& list, std::string* out) {
  std::vector<std::string> nodes;
  ListpackWriter lp;
  std::string scratch;
  list.VisitRange(0, list.size(), [&](const store::ListElem& e) {
    std::string_view text = store::ListElemText(e, &scratch);
    // A node stays within Redis's default node size; an element larger than that gets a
    // node of its own, as Redis gives it.
    if (lp.count() > 0 && lp.bytes() + text.size() + 11 > kListNodeMaxBytes) {
      nodes.push_back(lp.Finish());
    }
    lp.Append(text);
  });
  if (lp.count() > 0) nodes.push_back(lp.Finish());
  PutType(out, kTypeListQuicklist2);
  PutRdbLength(out, nodes.size());
  for (const std::string& node : nodes) {
    PutRdbLength(out, kQuicklistPacked);
    PutRdbString(out, node);
  }
}

void EncodeHash(const store::HashObject& hash, std::string* out) {
  if (hash.packed()) {
    ListpackWriter lp;
    hash.ForEach([&](std::string_view field, std::string_view value) {
      lp.Append(field);
      lp.Append(value);
    });
    PutType(out, kTypeHashListpack);
    PutRdbString(out, lp.Finish());
    return;
  }
  PutType(out, kTypeHash);
  PutRdbLength(out, hash.size());
  hash.ForEach([&](std::string_view field, std::string_view value) {
    PutRdbString(out, field);
    PutRdbString(out, value);
  });
}

void EncodeSet(const store::SetObject& set, std::string* out) {
  if (set.kind() == store::SetObject::Encoding::kIntset) {
    std::vector<int64_t> values;
    values.reserve(set.size());
    set.ForEach([&](std::string_view member) {
      int64_t v = 0;
      if (ParseCanonicalInt(member, &v)) values.push_back(v);
    });
    std::sort(values.begin(), values.end());
    PutType(out, kTypeSetIntset);
    PutRdbString(out, WriteIntset(values));
    return;
  }
  // Redis 7.0 has no set listpack: cairn's packed sets are written as plain sets.
  PutType(out, kTypeSet);
  PutRdbLength(out, set.size());
  set.ForEach([&](std::string_view member) { PutRdbString(out, member); });
}

void EncodeZSet(const store::ZSet& zset, std::string* out) {
  if (zset.is_listpack()) {
    ListpackWriter lp;
    zset.VisitRanks(0, zset.size(), false, [&](std::string_view member, double score) {
      lp.Append(member);
      lp.Append(ScoreText(score));
    });
    PutType(out, kTypeZSetListpack);
    PutRdbString(out, lp.Finish());
    return;
  }
  // Highest score first, as Redis writes it (its loader then inserts at the head).
  PutType(out, kTypeZSet2);
  PutRdbLength(out, zset.size());
  zset.VisitRanks(0, zset.size(), true, [&](std::string_view member, double score) {
    PutRdbString(out, member);
    uint64_t bits = 0;
    static_assert(sizeof(bits) == sizeof(score));
    std::memcpy(&bits, &score, sizeof(bits));
    for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(bits >> (8 * i)));
  });
}

}  // namespace

void EncodeObject(const store::Value& value, std::string* out) {
  switch (value.type) {
    case store::ValueType::kString:
      PutType(out, kTypeString);
      PutRdbString(out, value.str.view());
      return;
    case store::ValueType::kList:
      return EncodeList(static_cast<const store::ListObject&>(*value.obj.get()), out);
    case store::ValueType::kHash:
      return EncodeHash(static_cast<const store::HashObject&>(*value.obj.get()), out);
    case store::ValueType::kSet:
      return EncodeSet(static_cast<const store::SetObject&>(*value.obj.get()), out);
    case store::ValueType::kZSet:
      return EncodeZSet(static_cast<const store::ZSet&>(*value.obj.get()), out);
    case store::ValueType::kStream:
      return EncodeStream(static_cast<const store::Stream&>(*value.obj.get()), out);
  }
}

}  // namespace cairn::rdb
