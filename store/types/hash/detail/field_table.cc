// store/types/hash/detail/field_table.cc — the large-hash table: nodes, lookup, resize, random pick.
#include "store/types/hash/detail/field_table.h"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <random>  // std::random_device (the hash seed)

#include "store/key_hash.h"
#include "store/memory.h"
#include "store/packed_varint.h"
#include "store/random.h"
#include "store/scan_cursor.h"

namespace cairn::store::detail {
namespace {

// One seed per process: field order only has to be stable while the process runs (HSCAN
// cursors), and a seed the client cannot guess keeps crafted fields from colliding.
const uint64_t kSeed = std::random_device{}() * 0x9e3779b97f4a7c15ull ^ std::random_device{}();

}  // namespace

FieldTable::Node* FieldTable::NewNode(std::string_view field, std::string_view value) {
  size_t bytes = sizeof(Node) + VarintSize(field.size()) + VarintSize(value.size()) +
                 field.size() + value.size();
  auto* n = static_cast<Node*>(std::malloc(bytes));
  if (n == nullptr) std::abort();
  n->next = nullptr;
  char* p = reinterpret_cast<char*>(n + 1);
  p = PutVarint(p, field.size());
  p = PutVarint(p, value.size());
  if (!field.empty()) std::memcpy(p, field.data(), field.size());
  if (!value.empty()) std::memcpy(p + field.size(), value.data(), value.size());
  return n;
}

std::string_view FieldTable::FieldOf(const Node* n) {
  uint64_t flen = 0, vlen = 0;
  const char* p = GetVarint(reinterpret_cast<const char*>(n + 1), &flen);
  p = GetVarint(p, &vlen);
  return {p, flen};
}

std::string_view FieldTable::ValueOf(const Node* n) {
  uint64_t flen = 0, vlen = 0;
  const char* p = GetVarint(reinterpret_cast<const char*>(n + 1), &flen);
  p = GetVarint(p, &vlen);
  return {p + flen, vlen};
}

// Increments the reversed bits of the cursor (within mask), as the keyspace SCAN does: setting
// the bits above mask first makes the carry leave through them.
uint64_t FieldTable::NextCursor(uint64_t cursor, uint64_t mask) {
  return NextScanCursor(cursor, mask);
}

uint64_t FieldTable::HashOf(std::string_view field) { return HashKey(field, kSeed); }

FieldTable::Node** FieldTable::LinkOf(std::string_view field, size_t* passed) const {
  auto& buckets = const_cast<std::vector<Node*>&>(buckets_);
  Node** link = &buckets[HashOf(field) & (buckets.size() - 1)];
  size_t n = 0;
  for (; *link != nullptr && FieldOf(*link) != field; ++n) link = &(*link)->next;
  if (passed != nullptr) *passed = n;
  return link;
}

size_t FieldTable::heap_bytes() const {
  size_t bytes = AllocationSize(buckets_.capacity() * sizeof(Node*));
  ForEach([&](std::string_view f, std::string_view v) {
    bytes += AllocationSize(sizeof(Node) + VarintSize(f.size()) + VarintSize(v.size()) +
                            f.size() + v.size());
  });
  return bytes;
}

bool FieldTable::Get(std::string_view field, std::string_view* value) const {
  if (size_ == 0) return false;
  Node* n = *LinkOf(field);
  if (n == nullptr) return false;
  *value = ValueOf(n);
  return true;
}

bool FieldTable::Set(std::string_view field, std::string_view value) {
  if (buckets_.empty()) Resize(kMinBuckets);
  size_t passed = 0;
  Node** link = LinkOf(field, &passed);
  Node* old = *link;
  if (old != nullptr && ValueOf(old) == value) return false;
  Node* n = NewNode(field, value);
  if (old != nullptr) {
    n->next = old->next;
    *link = n;
    std::free(old);
    return false;
  }
  *link = n;  // the end of its chain: the chain is now passed + 1 long
  longest_chain_ = std::max(longest_chain_, passed + 1);
  if (++size_ > buckets_.size()) Resize(buckets_.size() * 2);
  return true;
}

bool FieldTable::Delete(std::string_view field) {
  if (size_ == 0) return false;
  Node** link = LinkOf(field);
  Node* n = *link;
  if (n == nullptr) return false;
  *link = n->next;
  std::free(n);
  --size_;
  if (buckets_.size() > kMinBuckets && size_ * 8 < buckets_.size()) {
    Resize(std::max(kMinBuckets, std::bit_ceil(std::max<size_t>(size_, 1))));
  }
  return true;
}

void FieldTable::Resize(size_t buckets) {
  std::vector<Node*> next(buckets, nullptr);
  for (Node* head : buckets_) {
    while (head != nullptr) {
      Node* n = head;
      head = n->next;
      Node*& slot = next[HashOf(FieldOf(n)) & (buckets - 1)];
      n->next = slot;
      slot = n;
    }
  }
  buckets_.swap(next);
  longest_chain_ = 1;
  for (size_t i = 0; i < buckets_.size(); ++i) {
    longest_chain_ = std::max(longest_chain_, ChainLength(i));
  }
}

void FieldTable::CopyFrom(const FieldTable& other) {
  Clear();
  Resize(other.buckets_.size());
  other.ForEach([&](std::string_view f, std::string_view v) { Set(f, v); });
}

void FieldTable::Clear() {
  for (Node* head : buckets_) {
    while (head != nullptr) {
      Node* n = head;
      head = n->next;
      std::free(n);
    }
  }
  std::vector<Node*>().swap(buckets_);
  size_ = 0;
}

// Rejection sampling, so every field is equally likely (HRANDFIELD with a negative count
// draws many times from one hash; a pick biased toward short chains shows): a random bucket
// and a random position below longest_chain_, retried until that position holds a node. Each
// try hits a given node with probability 1 / (buckets * longest_chain_); the expected number
// of tries is buckets * longest_chain_ / size, small at the table's load.
void FieldTable::Random(std::string_view* field, std::string_view* value) const {
  uint64_t mask = buckets_.size() - 1;
  for (;;) {
    Node* n = buckets_[FastRandom() & mask];
    for (size_t i = FastRandom() % longest_chain_; n != nullptr && i > 0; --i) n = n->next;
    if (n == nullptr) continue;
    *field = FieldOf(n);
    *value = ValueOf(n);
    return;
  }
}

size_t FieldTable::ChainLength(size_t bucket) const {
  size_t len = 0;
  for (Node* n = buckets_[bucket]; n != nullptr; n = n->next) ++len;
  return len;
}

}  // namespace cairn::store::detail
