// store/types/zset/detail/skiplist.h — the large sorted-set representation ("skiplist"): a skiplist
// with spans ordered by (score, member), so rank, rank-to-element and range starts are
// O(log n), plus an open-addressing index from member to node for O(1) score lookups.
//
// Memory: ONE allocation per member. A node holds its score, backward link, level count,
// `level` forward pointers, `level` 32-bit spans and the member bytes inline; the index is a
// flat array of node pointers (linear probing, load factor at most 3/4), so a member costs
// its node (about 30 bytes + member, p = 1/4 gives 1.33 levels on average) plus ~11 bytes of
// index.
//
// Internal to the zset family (store/zset.*); not thread-safe (the owning shard's lock
// serializes access).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "store/function_ref.h"

namespace cairn::store::detail {

struct ZNode {
  double score;
  ZNode* backward;
  uint32_t len;
  uint8_t level;

  ZNode** forward() { return reinterpret_cast<ZNode**>(this + 1); }
  ZNode* const* forward() const { return reinterpret_cast<ZNode* const*>(this + 1); }
  uint32_t* span() { return reinterpret_cast<uint32_t*>(forward() + level); }
  const uint32_t* span() const { return reinterpret_cast<const uint32_t*>(forward() + level); }
  std::string_view member() const { return {reinterpret_cast<const char*>(span() + level), len}; }
};

class ZSkipList {
 public:
  static constexpr int kMaxLevel = 32;

  ZSkipList();
  ~ZSkipList();
  ZSkipList(const ZSkipList&) = delete;
  ZSkipList& operator=(const ZSkipList&) = delete;

  size_t size() const { return size_; }
  // The member's node, or nullptr.
  const ZNode* Find(std::string_view member) const;
  // Reads node's member bytes (Object::TouchElement): the first and the last, so that
  // Find's comparison finds them in cache.
  static void TouchMember(const ZNode* node) {
    std::string_view m = node->member();
    if (m.empty()) return;
    (void)*reinterpret_cast<const volatile char*>(m.data());
    (void)*reinterpret_cast<const volatile char*>(m.data() + m.size() - 1);
  }
  // The index slot Find(member) reads first (Object::ElementSlot); nullptr while empty.
  const void* const* HomeSlot(std::string_view member) const {
    return cap_ == 0 ? nullptr : reinterpret_cast<const void* const*>(&slots_[SlotOf(member)]);
  }
  // Inserts member (which must be absent) with score.
  void Insert(std::string_view member, double score);
  // Changes an existing member's score.
  void Update(const ZNode* node, double score);
  // Removes an existing member.
  void Remove(const ZNode* node);
  // 0-based rank of an existing node in ascending order.
  size_t RankOf(const ZNode* node) const;
  // The node at 0-based rank (< size()).
  const ZNode* AtRank(size_t rank) const;
  // Number of elements before the first one for which before(score, member) is false;
  // `before` must be true for a prefix of the order and false afterwards.
  template <class Pred>
  size_t CountWhile(Pred before) const {
    size_t rank = 0;
    const ZNode* x = head_;
    for (int i = level_ - 1; i >= 0; --i) {
      while (x->forward()[i] != nullptr &&
             before(x->forward()[i]->score, x->forward()[i]->member())) {
        rank += x->span()[i];
        x = x->forward()[i];
      }
    }
    return rank;
  }
  // ZSCAN: visits the members of home slots from cursor, taken in reverse-binary order
  // (scan_cursor.h), until about `count` members or 10 * count homes, and returns the next
  // cursor (0 when done). Linear probing keeps a member between its home and its slot with no empty
  // slot in between, so walking the run from a home finds all of that home's members; and
  // the order keeps SCAN's guarantee when the index doubles between calls: a member present
  // for the whole scan is visited at least once.
  uint64_t Scan(uint64_t cursor, size_t count, FunctionRef<void(const ZNode&)> visit) const;
  // Bytes held, allocator rounding included; from the first `samples` members scaled to the
  // whole when samples > 0 (MEMORY USAGE SAMPLES).
  size_t memory_bytes(size_t samples = 0) const;

 private:
  static ZNode* NewNode(int level, std::string_view member, double score);
  int RandomLevel();
  // Links x (score, member and level set; size_ not counted) at its place in the order.
  void Link(ZNode* x);
  // Links x after update[i] at each of its levels; rank[i] is update[i]'s rank (Link's
  // second half).
  void Splice(ZNode* x, ZNode** update, uint32_t* rank);
  // Unlinks node from the list (not the index); update[i] are its predecessors.
  void Unlink(ZNode* node, ZNode** update);
  // Fills update[] with the last node before (score, member) at each level; rank[] their ranks.
  void FindPredecessors(double score, std::string_view member, ZNode** update,
                        uint32_t* rank) const;
  // For moving x to new_score (Update), both walks at once: old_update[] as FindPredecessors
  // gives for x where it is, and new_update[] / new_rank[] as it would give for (new_score,
  // x's member) once x is unlinked. See the .cc for why they run side by side.
  void FindMovePredecessors(const ZNode* x, double new_score, ZNode** old_update,
                            ZNode** new_update, uint32_t* new_rank) const;
  size_t SlotOf(std::string_view member) const;
  void IndexInsert(ZNode* node);
  void IndexErase(const ZNode* node);
  void Rehash(size_t cap);

  ZNode* head_;
  ZNode* tail_ = nullptr;
  int level_ = 1;
  size_t size_ = 0;
  uint64_t rng_ = 0x9e3779b97f4a7c15ull;
  ZNode** slots_ = nullptr;
  size_t cap_ = 0;  // power of two (or 0)
};

// (score, member) order: score first, then member bytes.
inline bool ZLess(double s1, std::string_view m1, double s2, std::string_view m2) {
  return s1 < s2 || (s1 == s2 && m1 < m2);
}

}  // namespace cairn::store::detail
