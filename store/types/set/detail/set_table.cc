// store/types/set/detail/set_table.cc — the open-addressing member table of large sets.
#include "store/types/set/detail/set_table.h"

#include <cstdlib>
#include <cstring>
#include <random>  // std::random_device (the seed)

#include "store/key_hash.h"
#include "store/memory.h"
#include "store/packed_varint.h"
#include "store/scan_cursor.h"

namespace cairn::store::detail {
namespace {

constexpr size_t kMinCapacity = 16;

// Seeded once per process so clients cannot choose members that collide.
uint64_t Seed() {
  static const uint64_t seed = (uint64_t{std::random_device{}()} << 32) | std::random_device{}();
  return seed;
}

// One allocation: LEB128 length, then the bytes.
char* NewMember(std::string_view member) {
  size_t head = VarintSize(member.size());
  char* m = static_cast<char*>(std::malloc(head + member.size()));
  size_t v = member.size();
  for (size_t i = 0; i < head; ++i, v >>= 7) {
    m[i] = static_cast<char>((v & 0x7f) | (i + 1 < head ? 0x80 : 0));
  }
  std::memcpy(m + head, member.data(), member.size());
  return m;
}

size_t MemberAllocSize(std::string_view member) {
  return AllocationSize(VarintSize(member.size()) + member.size());
}

}  // namespace

SetTable::~SetTable() {
  for (size_t i = 0; slots_ != nullptr && i <= mask_; ++i) std::free(slots_[i]);
  std::free(slots_);
}

std::string_view SetTable::View(const char* m) {
  size_t len = 0;
  int shift = 0;
  size_t i = 0;
  for (;; ++i, shift += 7) {
    len |= static_cast<size_t>(static_cast<unsigned char>(m[i]) & 0x7f) << shift;
    if ((static_cast<unsigned char>(m[i]) & 0x80) == 0) break;
  }
  return {m + i + 1, len};
}

size_t SetTable::Home(std::string_view member) const { return HashKey(member, Seed()) & mask_; }

size_t SetTable::Find(std::string_view member) const {
  if (size_ == 0) return kNone;
  for (size_t i = Home(member); slots_[i] != nullptr; i = (i + 1) & mask_) {
    if (View(slots_[i]) == member) return i;
  }
  return kNone;
}

void SetTable::Place(char* m) {
  size_t i = Home(View(m));
  while (slots_[i] != nullptr) i = (i + 1) & mask_;
  slots_[i] = m;
}

void SetTable::Resize(size_t capacity) {
  char** old = slots_;
  size_t old_capacity = old == nullptr ? 0 : mask_ + 1;
  slots_ = static_cast<char**>(std::calloc(capacity, sizeof(char*)));
  mask_ = capacity - 1;
  for (size_t i = 0; i < old_capacity; ++i) {
    if (old[i] != nullptr) Place(old[i]);
  }
  std::free(old);
}

void SetTable::Reserve(size_t n) {
  size_t capacity = kMinCapacity;
  while (capacity * 3 / 4 < n) capacity *= 2;
  if (slots_ == nullptr || capacity > mask_ + 1) Resize(capacity);
}

void SetTable::CopyFrom(const SetTable& other) {
  Reserve(other.size_);
  other.ForEach([this](std::string_view m) { Insert(m); });
}

bool SetTable::Contains(std::string_view member) const { return Find(member) != kNone; }

bool SetTable::Insert(std::string_view member) {
  if (Find(member) != kNone) return false;
  Reserve(size_ + 1);
  Place(NewMember(member));
  ++size_;
  member_bytes_ += MemberAllocSize(member);
  return true;
}

bool SetTable::Erase(std::string_view member) {
  size_t i = Find(member);
  if (i == kNone) return false;
  member_bytes_ -= MemberAllocSize(member);
  std::free(slots_[i]);
  slots_[i] = nullptr;
  --size_;
  // Backward shift: pull later members of the run into the hole when their home allows it,
  // so lookups never need tombstones.
  for (size_t j = (i + 1) & mask_; slots_[j] != nullptr; j = (j + 1) & mask_) {
    size_t home = Home(View(slots_[j]));
    bool movable = (j > i) ? (home <= i || home > j) : (home <= i && home > j);
    if (!movable) continue;
    slots_[i] = slots_[j];
    slots_[j] = nullptr;
    i = j;
  }
  if (mask_ + 1 > kMinCapacity && size_ * 8 < mask_ + 1) Resize((mask_ + 1) / 2);
  return true;
}

std::string_view SetTable::Random(uint64_t r) const {
  // SplitMix64 steps from r: cheap, and the load (at least 1/16 after shrinking) bounds the
  // expected number of probes.
  for (;;) {
    r += 0x9e3779b97f4a7c15ull;
    uint64_t z = r;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    size_t i = (z ^ (z >> 31)) & mask_;
    if (slots_[i] != nullptr) return View(slots_[i]);
  }
}

void SetTable::ForEach(const std::function<void(std::string_view)>& visit) const {
  for (size_t i = 0; slots_ != nullptr && i <= mask_; ++i) {
    if (slots_[i] != nullptr) visit(View(slots_[i]));
  }
}

uint64_t SetTable::Scan(uint64_t cursor, size_t count,
                        const std::function<void(std::string_view)>& visit) const {
  if (size_ == 0) return 0;
  size_t visited = 0;
  do {
    size_t home = cursor & mask_;
    for (size_t i = home; slots_[i] != nullptr; i = (i + 1) & mask_) {
      std::string_view m = View(slots_[i]);
      if (Home(m) == home) visit(m);
    }
    cursor = NextScanCursor(cursor, mask_);
    ++visited;
  } while (cursor != 0 && visited < count);
  return cursor;
}

size_t SetTable::memory_bytes() const {
  size_t slots = slots_ == nullptr ? 0 : AllocationSize((mask_ + 1) * sizeof(char*));
  return slots + member_bytes_;
}

}  // namespace cairn::store::detail
