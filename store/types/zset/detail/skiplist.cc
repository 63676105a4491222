// store/types/zset/detail/skiplist.cc — the skiplist with spans and its member index (see header).
#include "store/types/zset/detail/skiplist.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "store/key_hash.h"
#include "store/scan_cursor.h"
#include "store/memory.h"

namespace cairn::store::detail {
namespace {

constexpr uint64_t kIndexSeed = 0x5a5e7c0ffee1234ull;

size_t NodeBytes(int level, size_t len) {
  return sizeof(ZNode) + level * (sizeof(ZNode*) + sizeof(uint32_t)) + len;
}

}  // namespace

ZSkipList::ZSkipList() : head_(NewNode(kMaxLevel, {}, 0)) {}

ZSkipList::~ZSkipList() {
  ZNode* x = head_;
  while (x != nullptr) {
    ZNode* next = x->forward()[0];
    std::free(x);
    x = next;
  }
  std::free(slots_);
}

ZNode* ZSkipList::NewNode(int level, std::string_view member, double score) {
  auto* n = static_cast<ZNode*>(std::malloc(NodeBytes(level, member.size())));
  if (n == nullptr) std::abort();
  n->score = score;
  n->backward = nullptr;
  n->len = static_cast<uint32_t>(member.size());
  n->level = static_cast<uint8_t>(level);
  for (int i = 0; i < level; ++i) {
    n->forward()[i] = nullptr;
    n->span()[i] = 0;
  }
  if (!member.empty())
    std::memcpy(const_cast<char*>(n->member().data()), member.data(), member.size());
  return n;
}

// Level k with probability (1/4)^(k-1): 1.33 levels per node on average.
int ZSkipList::RandomLevel() {
  rng_ ^= rng_ << 13;
  rng_ ^= rng_ >> 7;
  rng_ ^= rng_ << 17;
  uint64_t bits = rng_;
  int level = 1;
  while ((bits & 3) == 0 && level < kMaxLevel) {
    ++level;
    bits >>= 2;
  }
  return level;
}

void ZSkipList::FindPredecessors(double score, std::string_view member, ZNode** update,
                                 uint32_t* rank) const {
  ZNode* x = head_;
  for (int i = level_ - 1; i >= 0; --i) {
    rank[i] = i == level_ - 1 ? 0 : rank[i + 1];
    while (x->forward()[i] != nullptr &&
           ZLess(x->forward()[i]->score, x->forward()[i]->member(), score, member)) {
      rank[i] += x->span()[i];
      x = x->forward()[i];
    }
    update[i] = x;
  }
}

void ZSkipList::Insert(std::string_view member, double score) {
  ZNode* x = NewNode(RandomLevel(), member, score);
  Link(x);
  ++size_;
  IndexInsert(x);
}

void ZSkipList::Link(ZNode* x) {
  ZNode* update[kMaxLevel];
  uint32_t rank[kMaxLevel];
  FindPredecessors(x->score, x->member(), update, rank);
  Splice(x, update, rank);
}

void ZSkipList::Splice(ZNode* x, ZNode** update, uint32_t* rank) {
  int level = x->level;
  if (level > level_) {
    for (int i = level_; i < level; ++i) {
      rank[i] = 0;
      update[i] = head_;
      update[i]->span()[i] = static_cast<uint32_t>(size_);
    }
    level_ = level;
  }
  for (int i = 0; i < level; ++i) {
    x->forward()[i] = update[i]->forward()[i];
    update[i]->forward()[i] = x;
    x->span()[i] = update[i]->span()[i] - (rank[0] - rank[i]);
    update[i]->span()[i] = (rank[0] - rank[i]) + 1;
  }
  for (int i = level; i < level_; ++i) update[i]->span()[i]++;
  x->backward = update[0] == head_ ? nullptr : update[0];
  if (x->forward()[0] != nullptr) {
    x->forward()[0]->backward = x;
  } else {
    tail_ = x;
  }
}

void ZSkipList::Unlink(ZNode* x, ZNode** update) {
  for (int i = 0; i < level_; ++i) {
    if (update[i]->forward()[i] == x) {
      update[i]->span()[i] += x->span()[i] - 1;
      update[i]->forward()[i] = x->forward()[i];
    } else {
      update[i]->span()[i] -= 1;
    }
  }
  if (x->forward()[0] != nullptr) {
    x->forward()[0]->backward = x->backward;
  } else {
    tail_ = x->backward;
  }
  while (level_ > 1 && head_->forward()[level_ - 1] == nullptr) --level_;
  --size_;
}

void ZSkipList::Remove(const ZNode* node) {
  ZNode* update[kMaxLevel];
  uint32_t rank[kMaxLevel];
  FindPredecessors(node->score, node->member(), update, rank);
  ZNode* x = const_cast<ZNode*>(node);
  IndexErase(x);
  Unlink(x, update);
  std::free(x);
}

void ZSkipList::Update(const ZNode* node, double score) {
  ZNode* x = const_cast<ZNode*>(node);
  // Still in order at its place: change the score in place (the common small increment).
  bool after_prev = x->backward == nullptr ||
                    ZLess(x->backward->score, x->backward->member(), score, x->member());
  ZNode* next = x->forward()[0];
  bool before_next = next == nullptr || ZLess(score, x->member(), next->score, next->member());
  if (after_prev && before_next) {
    x->score = score;
    return;
  }
  // Out of order: unlink and link the same node again (its index slot stays valid).
  ZNode* old_update[kMaxLevel];
  ZNode* new_update[kMaxLevel];
  uint32_t new_rank[kMaxLevel];
  FindMovePredecessors(x, score, old_update, new_update, new_rank);
  Unlink(x, old_update);
  x->score = score;
  Splice(x, new_update, new_rank);
  ++size_;
}

// Moving a node takes two top-down walks, to where it is (to unlink it) and to where it goes.
// Their upper levels share nodes, but their lower levels are apart in the list, and in a large
// set every step there is a cache miss: done one walk after the other, the misses come one at
// a time (in a leaderboard's ZADD with a new score, the two walks were 60% of the server's
// CPU). Here the two walks advance a step each in turn, so the CPU has two independent loads
// in flight. The second walk sees the list as it will be without x: a link to x is followed
// through to x's successor with the spans Unlink will give it (s1 + s2 - 1), and a link that
// passes over x from before it counts one element less, as Unlink decrements it.
void ZSkipList::FindMovePredecessors(const ZNode* x, double new_score, ZNode** old_update,
                                     ZNode** new_update, uint32_t* new_rank) const {
  const double old_score = x->score;
  const std::string_view member = x->member();
  ZNode* at_old = head_;
  ZNode* at_new = head_;
  bool new_passed_x = false;  // the second walk is past x's place
  uint32_t rank = 0;
  for (int i = level_ - 1; i >= 0; --i) {
    bool old_walking = true, new_walking = true;
    while (old_walking || new_walking) {
      if (old_walking) {
        ZNode* f = at_old->forward()[i];
        old_walking = f != nullptr && ZLess(f->score, f->member(), old_score, member);
        if (old_walking) at_old = f;
      }
      if (new_walking) {
        ZNode* f = at_new->forward()[i];
        uint32_t span = at_new->span()[i];
        bool past_x = false;
        if (f == x) {
          span += x->span()[i] - 1;
          f = x->forward()[i];
          past_x = true;
        } else if (!new_passed_x && f != nullptr &&
                   ZLess(old_score, member, f->score, f->member())) {
          span -= 1;
          past_x = true;
        }
        new_walking = f != nullptr && ZLess(f->score, f->member(), new_score, member);
        if (new_walking) {
          rank += span;
          at_new = f;
          new_passed_x |= past_x;
        }
      }
    }
    old_update[i] = at_old;
    new_update[i] = at_new;
    new_rank[i] = rank;
  }
}

size_t ZSkipList::RankOf(const ZNode* node) const {
  double score = node->score;
  std::string_view member = node->member();
  return CountWhile([&](double s, std::string_view m) { return ZLess(s, m, score, member); });
}

const ZNode* ZSkipList::AtRank(size_t rank) const {
  size_t traversed = 0;
  const ZNode* x = head_;
  size_t target = rank + 1;
  for (int i = level_ - 1; i >= 0; --i) {
    while (x->forward()[i] != nullptr && traversed + x->span()[i] <= target) {
      traversed += x->span()[i];
      x = x->forward()[i];
    }
    if (traversed == target) return x;
  }
  return nullptr;
}

// ---- member index ----

size_t ZSkipList::SlotOf(std::string_view member) const {
  return HashKey(member, kIndexSeed) & (cap_ - 1);
}

const ZNode* ZSkipList::Find(std::string_view member) const {
  if (cap_ == 0) return nullptr;
  for (size_t i = SlotOf(member);; i = (i + 1) & (cap_ - 1)) {
    const ZNode* n = slots_[i];
    if (n == nullptr) return nullptr;
    if (n->member() == member) return n;
  }
}

void ZSkipList::IndexInsert(ZNode* node) {
  if (size_ * 4 > cap_ * 3) Rehash(cap_ == 0 ? 8 : cap_ * 2);
  size_t i = SlotOf(node->member());
  while (slots_[i] != nullptr) i = (i + 1) & (cap_ - 1);
  slots_[i] = node;
}

// Backward-shift deletion keeps every probe chain unbroken without tombstones.
void ZSkipList::IndexErase(const ZNode* node) {
  size_t mask = cap_ - 1;
  size_t i = SlotOf(node->member());
  while (slots_[i] != node) i = (i + 1) & mask;
  size_t hole = i;
  for (size_t j = (hole + 1) & mask; slots_[j] != nullptr; j = (j + 1) & mask) {
    size_t home = SlotOf(slots_[j]->member());
    // Move slots_[j] into the hole unless its home lies cyclically in (hole, j].
    bool home_between = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (!home_between) {
      slots_[hole] = slots_[j];
      hole = j;
    }
  }
  slots_[hole] = nullptr;
}

uint64_t ZSkipList::Scan(uint64_t cursor, size_t count,
                         FunctionRef<void(const ZNode&)> visit) const {
  if (size_ == 0) return 0;
  size_t mask = cap_ - 1;
  // As Redis's SCAN: about count members, and at most 10 * count homes when the index is
  // sparse (it never shrinks: a set trimmed from millions keeps its slots).
  size_t homes = 0, visited = 0;
  do {
    size_t home = cursor & mask;
    for (size_t i = home; slots_[i] != nullptr; i = (i + 1) & mask) {
      if (SlotOf(slots_[i]->member()) != home) continue;
      visit(*slots_[i]);
      ++visited;
    }
    cursor = NextScanCursor(cursor, mask);
    ++homes;
  } while (cursor != 0 && visited < count && homes < 10 * count);
  return cursor;
}

void ZSkipList::Rehash(size_t cap) {
  ZNode** old = slots_;
  size_t old_cap = cap_;
  slots_ = static_cast<ZNode**>(std::calloc(cap, sizeof(ZNode*)));
  if (slots_ == nullptr) std::abort();
  cap_ = cap;
  for (size_t i = 0; i < old_cap; ++i) {
    if (old[i] == nullptr) continue;
    size_t j = SlotOf(old[i]->member());
    while (slots_[j] != nullptr) j = (j + 1) & (cap_ - 1);
    slots_[j] = old[i];
  }
  std::free(old);
}

size_t ZSkipList::memory_bytes(size_t samples) const {
  size_t bytes = AllocationSize(NodeBytes(kMaxLevel, 0)) + AllocationSize(cap_ * sizeof(ZNode*));
  size_t seen = 0, node_bytes = 0;
  for (const ZNode* x = head_->forward()[0]; x != nullptr && (samples == 0 || seen < samples);
       x = x->forward()[0], ++seen) {
    node_bytes += AllocationSize(NodeBytes(x->level, x->len));
  }
  if (seen > 0 && seen < size_) node_bytes = node_bytes / seen * size_;
  return bytes + node_bytes;
}

}  // namespace cairn::store::detail
