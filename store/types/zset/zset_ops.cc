// store/types/zset/zset_ops.cc — logged sorted-set changes and their replay (see zset_ops.h).
#include "store/types/zset/zset_ops.h"

#include <cmath>
#include <cstring>

#include "store/codec.h"
#include "store/object_families.h"
#include "store/typed.h"

namespace cairn::store {
namespace {

enum ZOp : uint8_t { kZSetScores = 1, kZRemove = 2 };

void PutScore(std::string* out, double score) {
  uint64_t bits = 0;
  std::memcpy(&bits, &score, sizeof(bits));
  codec::PutU64(out, bits);
}

void PutMember(std::string* out, std::string_view member) {
  codec::PutVarint(out, member.size());
  out->append(member);
}

// The new score of one ZADD item for a member whose current score is old (has_old false when
// absent); false when the options leave the member alone.
bool NewScore(const ZItem& item, const ZAddOptions& o, bool has_old, double old, double* out) {
  if ((has_old && o.nx) || (!has_old && o.xx)) return false;
  double score = o.incr && has_old ? old + item.score : item.score;
  *out = score;
  if (!has_old) return true;
  if ((o.gt && !(score > old)) || (o.lt && !(score < old))) return false;
  return true;
}

}  // namespace

Result<ZAddResult> ZAdd(KeyHandle& h, std::span<const ZItem> items, const ZAddOptions& o) {
  Result<Entry*> found = FindEntryAs<ZSet>(h);
  if (!found.ok()) return found.TakeStatus();
  Entry* e = *found;
  if (o.incr && e != nullptr) {
    double old = 0;
    if (ValueAs<ZSet>(e)->Score(items[0].member, &old) && std::isnan(old + items[0].score)) {
      return Code::kNaN;
    }
  }
  ZAddResult result;
  ZAddResult* r = &result;
  std::string payload;
  size_t logged = 0;
  ZSet* z = nullptr;
  for (const ZItem& item : items) {
    double old = 0, score = 0;
    bool has_old = e != nullptr && ValueAs<ZSet>(e)->Score(item.member, &old);
    if (!NewScore(item, o, has_old, old, &score)) continue;
    if (o.incr) {  // the reply keeps a -0 (ZINCRBY n -0 m is "-0" in Redis too)
      r->incr_done = true;
      r->incr_score = score;
    }
    if (has_old && score == old) continue;
    if (e == nullptr) e = h.CreateObject(ObjRef(new ZSet()));
    if (z == nullptr) z = static_cast<ZSet*>(h.MutableObject(e));
    z->Set(item.member, score);
    (has_old ? r->changed : r->added)++;
    if (h.logging()) {
      PutScore(&payload, score);
      PutMember(&payload, item.member);
      ++logged;
    }
  }
  if (logged > 0) {
    std::string op;
    codec::PutU8(&op, kZSetScores);
    codec::PutVarint(&op, logged);
    op += payload;
    h.LogObjectOp(ValueType::kZSet, op);
  }
  return result;
}

Result<size_t> ZRemove(KeyHandle& h, std::span<const std::string_view> members,
                       bool* deleted_key) {
  Result<Entry*> found = FindEntryAs<ZSet>(h);
  if (!found.ok()) return found.TakeStatus();
  Entry* e = *found;
  if (e == nullptr) return size_t{0};
  ZSet* z = nullptr;
  std::string payload;
  size_t removed = 0;
  for (std::string_view m : members) {
    double score = 0;
    if (!ValueAs<ZSet>(e)->Score(m, &score)) continue;
    if (z == nullptr) z = static_cast<ZSet*>(h.MutableObject(e));
    z->Remove(m);
    ++removed;
    if (h.logging()) PutMember(&payload, m);
  }
  if (removed > 0 && h.logging()) {
    std::string op;
    codec::PutU8(&op, kZRemove);
    codec::PutVarint(&op, removed);
    op += payload;
    h.LogObjectOp(ValueType::kZSet, op);
  }
  bool deleted = removed > 0 && h.DeleteIfEmpty(e);
  if (deleted_key != nullptr) *deleted_key = deleted;
  return removed;
}

std::vector<std::pair<std::string, double>> ZRemoveRanks(KeyHandle& h, size_t start, size_t end,
                                                         bool reverse) {
  std::vector<std::pair<std::string, double>> out;
  Result<const ZSet*> found = FindAs<ZSet>(h);
  const ZSet* z = found.ok() ? *found : nullptr;
  if (z == nullptr) return out;
  end = std::min(end, z->size());
  if (start >= end) return out;
  out.reserve(end - start);
  z->VisitRanks(start, end, reverse,
                [&](std::string_view m, double s) { out.emplace_back(std::string(m), s); });
  std::vector<std::string_view> members;
  members.reserve(out.size());
  for (const auto& [m, s] : out) members.push_back(m);
  (void)ZRemove(h, members);  // the members were just read from this zset
  return out;
}

bool ApplyZSetOp(KeyHandle& h, std::string_view payload) {
  codec::Decoder d(payload);
  uint8_t op = 0;
  uint64_t count = 0;
  if (!d.U8(&op) || !d.Varint(&count) || count == 0) return false;
  std::vector<ZItem> items;
  std::vector<std::string_view> members;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t bits = 0, len = 0;
    std::string_view member;
    if (op == kZSetScores && !d.U64(&bits)) return false;
    if (!d.Varint(&len) || !d.Bytes(len, &member)) return false;
    double score = 0;
    std::memcpy(&score, &bits, sizeof(score));
    if (std::isnan(score)) return false;  // ZADD never stores NaN: the ordering needs a number
    items.push_back({score, member});
    members.push_back(member);
  }
  if (!d.empty()) return false;
  if (!FindEntryAs<ZSet>(h).ok()) return false;
  if (op == kZSetScores) return ZAdd(h, items, ZAddOptions{}).ok();
  if (op == kZRemove) {
    Result<size_t> removed = ZRemove(h, members);
    return removed.ok() && *removed == count;
  }
  return false;
}

}  // namespace cairn::store
