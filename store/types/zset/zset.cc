// store/types/zset/zset.cc — the sorted set object: its two representations, conversion between them,
// and the snapshot encoding (see zset.h).
#include "store/types/zset/zset.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "store/codec.h"
#include "store/encoding_limits.h"
#include "store/memory.h"
#include "store/object_families.h"
#include "store/packed_varint.h"

namespace cairn::store {
namespace {

// Whether one more member still fits the listpack form (zset-max-listpack-entries / -value,
// and PackedBuffer::kMaxBytes for an entry of up to 10 + 8 bytes besides the member).
bool FitsListpack(const detail::PackedBuffer& packed, std::string_view member) {
  const EncodingLimits& limits = encoding_limits();
  return packed.count() < LimitOf(limits.zset_max_listpack_entries) &&
         member.size() <= LimitOf(limits.zset_max_listpack_value) &&
         packed.Fits(member.size() + 18);
}

struct PackedEntry {
  double score;
  std::string_view member;
  size_t next;  // offset of the following entry
};

// The score a listpack shows: -0 reads as 0, as Redis's listpack stores -0 as the integer 0
// (its skiplist keeps -0, and so does ours). A packed entry written by a bulk build may hold
// -0 (see Append); every read goes through this but two: a bulk build's conversion to a
// skiplist and the snapshot decoder, which keep the sign.
double ListpackScore(double score) { return score + 0.0; }

// Whether a listpack entry keeps score as a varint: a whole number that a double holds
// exactly, and not -0 (whose sign only the 8-byte form keeps).
bool IsCompactScore(double score) {
  constexpr double kExactLimit = 9007199254740992.0;  // 2^53
  return std::trunc(score) == score && std::fabs(score) < kExactLimit &&
         !(score == 0 && std::signbit(score));
}

// Reads the listpack entry at off of a packed buffer this file wrote (zset.h's entry);
// keep_sign: the stored score as it is, -0 included.
void ReadPacked(std::string_view buf, size_t off, PackedEntry* e, bool keep_sign = false) {
  const char* p = buf.data() + off;
  uint64_t head = 0;
  p = detail::GetVarint(p, &head);
  if (head & 1) {
    uint64_t z = 0;
    p = detail::GetVarint(p, &z);
    e->score = static_cast<double>(detail::UnZigZag(z));
  } else {
    std::memcpy(&e->score, p, sizeof(e->score));  // the host's order: memory, not a file
    p += sizeof(e->score);
  }
  e->member = std::string_view(p, head >> 1);
  e->next = static_cast<size_t>(p - buf.data()) + e->member.size();
  if (!keep_sign) e->score = ListpackScore(e->score);
}

void PutPacked(std::string* out, std::string_view member, double score) {
  bool compact = IsCompactScore(score);
  codec::PutVarint(out, (member.size() << 1) | (compact ? 1 : 0));
  if (compact) {
    codec::PutVarint(out, detail::ZigZag(static_cast<int64_t>(score)));
  } else {
    out->append(reinterpret_cast<const char*>(&score), sizeof(score));
  }
  out->append(member);
}

// The snapshot's entry (zset.h), read from untrusted bytes: false when they end early.
bool ReadSnapshotEntry(std::string_view buf, size_t off, PackedEntry* e) {
  codec::Decoder d(buf.substr(off));
  uint64_t bits = 0, len = 0;
  if (!d.U64(&bits) || !d.Varint(&len) || !d.Bytes(len, &e->member)) return false;
  std::memcpy(&e->score, &bits, sizeof(bits));
  e->next = buf.size() - d.remaining();
  return true;
}

void PutSnapshotEntry(std::string* out, std::string_view member, double score) {
  uint64_t bits = 0;
  std::memcpy(&bits, &score, sizeof(bits));
  codec::PutU64(out, bits);
  codec::PutVarint(out, member.size());
  out->append(member);
}

// Entries of a packed buffer before the first one for which before(score, member) is false.
template <class Pred>
size_t PackedCountWhile(std::string_view buf, Pred before) {
  PackedEntry e;
  size_t n = 0;
  for (size_t off = 0; off < buf.size(); off = e.next) {
    ReadPacked(buf, off, &e);
    if (!before(e.score, e.member)) break;
    ++n;
  }
  return n;
}

}  // namespace

ZSet::ZSet() : Object(ValueType::kZSet) {}
static_assert(sizeof(ZSet) <= 32, "a small sorted set's object fits jemalloc's 32-byte class");

ZSet::~ZSet() {
  if (listpack_) {
    rep_.packed.~PackedBuffer();
  } else {
    delete rep_.list;
  }
}

size_t ZSet::size() const { return listpack_ ? rep_.packed.count() : rep_.list->size(); }

std::string_view ZSet::encoding() const { return listpack_ ? "listpack" : "skiplist"; }

size_t ZSet::memory_bytes() const { return sampled_memory_bytes(0); }

size_t ZSet::sampled_memory_bytes(size_t samples) const {
  size_t bytes = AllocationSize(sizeof(ZSet));
  if (!listpack_) {
    return bytes + AllocationSize(sizeof(detail::ZSkipList)) + rep_.list->memory_bytes(samples);
  }
  return bytes + rep_.packed.allocated_bytes();
}

ObjRef ZSet::Clone() const {
  auto* copy = new ZSet();
  if (listpack_) {
    copy->rep_.packed = rep_.packed;
  } else {
    copy->ConvertToSkipList(true);
    VisitRanks(0, size(), false, [&](std::string_view m, double s) { copy->Append(m, s); });
  }
  return ObjRef(copy);
}

void ZSet::Encode(std::string* out) const {
  codec::PutVarint(out, size());
  if (listpack_) {  // as read: a -0 a bulk build left in a packed entry is written as 0
    PackedEntry e;
    for (size_t off = 0; off < rep_.packed.size(); off = e.next) {
      ReadPacked(rep_.packed.view(), off, &e);
      PutSnapshotEntry(out, e.member, e.score);
    }
    return;
  }
  VisitRanks(0, size(), false,
             [&](std::string_view m, double s) { PutSnapshotEntry(out, m, s); });
}

size_t ZSet::PackedFind(std::string_view member, double* score) const {
  PackedEntry e;
  for (size_t off = 0; off < rep_.packed.size(); off = e.next) {
    ReadPacked(rep_.packed.view(), off, &e);
    if (e.member == member) {
      *score = e.score;
      return off;
    }
  }
  return std::string::npos;
}

void ZSet::PackedInsert(std::string_view member, double score, bool keep_sign) {
  PackedEntry e;
  size_t off = 0;
  for (; off < rep_.packed.size(); off = e.next) {
    ReadPacked(rep_.packed.view(), off, &e);
    if (detail::ZLess(score, member, e.score, e.member)) break;
  }
  std::string entry;
  PutPacked(&entry, member, keep_sign ? score : ListpackScore(score));
  rep_.packed.Splice(off, off, entry);
  rep_.packed.set_count(rep_.packed.count() + 1);
}

void ZSet::PackedErase(size_t offset) {
  PackedEntry e;
  ReadPacked(rep_.packed.view(), offset, &e);
  rep_.packed.Splice(offset, e.next, {});
  rep_.packed.set_count(rep_.packed.count() - 1);
}

void ZSet::ConvertToSkipList(bool keep_sign) {
  auto list = std::make_unique<detail::ZSkipList>();
  PackedEntry e;
  for (size_t off = 0; off < rep_.packed.size(); off = e.next) {
    ReadPacked(rep_.packed.view(), off, &e, keep_sign);
    list->Insert(e.member, e.score);
  }
  rep_.packed.~PackedBuffer();
  rep_.list = list.release();
  listpack_ = false;
}

bool ZSet::Score(std::string_view member, double* score) const {
  if (listpack_) return PackedFind(member, score) != std::string::npos;
  const detail::ZNode* n = rep_.list->Find(member);
  if (n == nullptr) return false;
  *score = n->score;
  return true;
}

bool ZSet::Rank(std::string_view member, size_t* rank) const {
  if (!listpack_) {
    const detail::ZNode* n = rep_.list->Find(member);
    if (n == nullptr) return false;
    *rank = rep_.list->RankOf(n);
    return true;
  }
  PackedEntry e;
  size_t r = 0;
  for (size_t off = 0; off < rep_.packed.size(); off = e.next, ++r) {
    ReadPacked(rep_.packed.view(), off, &e);
    if (e.member == member) {
      *rank = r;
      return true;
    }
  }
  return false;
}

bool ZSet::Set(std::string_view member, double score) { return Put(member, score, false); }

bool ZSet::Load(std::string_view member, double score) { return Put(member, score, true); }

bool ZSet::Put(std::string_view member, double score, bool keep_sign) {
  if (listpack_) {
    double old = 0;
    size_t off = PackedFind(member, &old);
    if (off != std::string::npos) {
      if (old == score) return false;
      PackedErase(off);
      PackedInsert(member, score, keep_sign);
      return false;
    }
    if (FitsListpack(rep_.packed, member)) {
      PackedInsert(member, score, keep_sign);
      return true;
    }
    ConvertToSkipList(keep_sign);
  }
  const detail::ZNode* n = rep_.list->Find(member);
  if (n != nullptr) {
    if (n->score != score) rep_.list->Update(n, score);
    return false;
  }
  rep_.list->Insert(member, score);
  return true;
}

void ZSet::Append(std::string_view member, double score, bool keep_sign) {
  if (listpack_ && FitsListpack(rep_.packed, member)) {
    std::string entry;
    PutPacked(&entry, member, keep_sign ? score : ListpackScore(score));
    rep_.packed.Append(entry);
    rep_.packed.set_count(rep_.packed.count() + 1);
    return;
  }
  if (listpack_) ConvertToSkipList(true);
  rep_.list->Insert(member, score);
}

bool ZSet::Remove(std::string_view member) {
  if (!listpack_) {
    const detail::ZNode* n = rep_.list->Find(member);
    if (n == nullptr) return false;
    rep_.list->Remove(n);
    return true;
  }
  double score = 0;
  size_t off = PackedFind(member, &score);
  if (off == std::string::npos) return false;
  PackedErase(off);
  return true;
}

size_t ZSet::CountScoreBelow(double score, bool or_equal) const {
  auto before = [&](double s, std::string_view) { return s < score || (or_equal && s == score); };
  return listpack_ ? PackedCountWhile(rep_.packed.view(), before) : rep_.list->CountWhile(before);
}

size_t ZSet::CountLexBelow(std::string_view member, bool or_equal) const {
  auto before = [&](double, std::string_view m) { return m < member || (or_equal && m == member); };
  return listpack_ ? PackedCountWhile(rep_.packed.view(), before) : rep_.list->CountWhile(before);
}

void ZSet::VisitRanks(size_t start, size_t end, bool reverse, ZVisitor visit) const {
  if (start >= end) return;
  if (!listpack_) {
    const detail::ZNode* x = rep_.list->AtRank(reverse ? end - 1 : start);
    for (size_t i = start; i < end && x != nullptr; ++i) {
      visit(x->member(), x->score);
      x = reverse ? x->backward : x->forward()[0];
    }
    return;
  }
  // Listpack: collect the wanted entries' offsets (at most 128) to walk them either way.
  std::vector<size_t> offsets;
  offsets.reserve(end - start);
  PackedEntry e;
  size_t r = 0;
  for (size_t off = 0; off < rep_.packed.size() && r < end; off = e.next, ++r) {
    ReadPacked(rep_.packed.view(), off, &e);
    if (r >= start) offsets.push_back(off);
  }
  if (reverse) std::reverse(offsets.begin(), offsets.end());
  for (size_t off : offsets) {
    ReadPacked(rep_.packed.view(), off, &e);
    visit(e.member, e.score);
  }
}

uint64_t ZSet::Scan(uint64_t cursor, size_t count, ZVisitor visit) const {
  if (listpack_) {
    VisitRanks(0, size(), false, visit);
    return 0;
  }
  return rep_.list->Scan(cursor, count,
                         [&](const detail::ZNode& n) { visit(n.member(), n.score); });
}

ObjRef DecodeZSetObject(std::string_view bytes) {
  codec::Decoder d(bytes);
  uint64_t count = 0;
  if (!d.Varint(&count)) return ObjRef();
  std::string_view rest = bytes.substr(bytes.size() - d.remaining());
  auto* z = new ZSet();
  ObjRef ref(z);
  PackedEntry e;
  bool first = true;
  double prev_score = 0;
  std::string_view prev_member;
  size_t off = 0;
  for (uint64_t i = 0; i < count; ++i, off = e.next) {
    double existing = 0;
    if (!ReadSnapshotEntry(rest, off, &e) || std::isnan(e.score)) return ObjRef();
    if (!first && !detail::ZLess(prev_score, prev_member, e.score, e.member)) return ObjRef();
    // Order alone lets a member repeat under a higher score; the index would hold it twice.
    if (z->Score(e.member, &existing)) return ObjRef();
    z->Append(e.member, e.score);
    // Only a skiplist holds -0: keep this set one, whatever its size now (it may have shrunk
    // since it converted), so that the restart reads the scores it had.
    if (e.score == 0 && std::signbit(e.score)) z->KeepAsSkipList();
    first = false;
    prev_score = e.score;
    prev_member = e.member;
  }
  if (off != rest.size() || count == 0) return ObjRef();
  return ref;
}

}  // namespace cairn::store
