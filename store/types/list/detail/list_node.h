// store/types/list/detail/list_node.h — one packed node of a list (the "quicklist" idea): a single
// allocation holding up to ~8 KB of length-prefixed elements, read forwards and backwards.
//
// Node layout (one malloc block, header then data):
//   Node   := begin:u32 end:u32 cap:u32 count:u32 data[cap]
//             the live entries are data[begin, end); the slack before begin lets pushes at the
//             head cost O(1) like those at the tail.
//   entry  := header:varint payload backlen
//   header := (len << 1)              followed by len payload bytes    (text)
//           | (zigzag(v) << 1) | 1    no payload                        (integer)
//             an integer is stored only when the text is its canonical decimal form and
//             |v| < 2^62, so reading it back gives the exact bytes that were pushed.
//   backlen:= byte size of header + payload, as a varint written back to front: the last
//             byte holds the lowest 7 bits, and a set high bit says another byte precedes.
//             It lets a reader step from the end of an entry to its start.
//
// A compressed node (list-compress-depth) keeps the header and holds its entries as one LZF
// stream (store/lzf.h):
//   Node   := begin:u32=0 end:u32 cap:u32 count:u32 data[cap]
//             end is the entries' plain size and cap the stream's, always smaller (a node is
//             compressed only when that saves bytes), so cap < end tells the two forms apart
//             (a plain node has begin <= end <= cap) and used() is the plain size in both.
//
// Internal to the list family (store/types/list/list.cc); nothing outside store/ includes it.
// Not thread-safe: used under the owning key's shard lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "store/encoding_limits.h"

namespace cairn::store::detail {

// With the default list-max-listpack-size (-2) the whole block of a full node stays within
// one 8 KB allocator class. An element larger than the node limit gets a node of its own.
inline constexpr size_t kListNodeBlockBytes = 8192;

struct ListNode {
  uint32_t begin;
  uint32_t end;
  uint32_t cap;
  uint32_t count;
  char data[];

  size_t used() const { return end - begin; }
  bool compressed() const { return cap < end; }
  // The live entries of a plain node.
  const char* first() const { return data + begin; }
  const char* last_end() const { return data + end; }
};

// One element ready to be written: its text, or the integer it is stored as.
struct PackedElem {
  std::string_view text;  // the bytes (for an integer: unused)
  int64_t num = 0;
  bool is_int = false;
  uint64_t header = 0;
  size_t size = 0;  // whole entry: header + payload + backlen

  static PackedElem Of(std::string_view text);
  static PackedElem OfInt(int64_t num);
  // The text form (numbers formatted into *scratch).
  std::string_view View(std::string* scratch) const;
};

// Reads the entry starting at p (within a node); its whole size goes to *size.
PackedElem ReadEntry(const char* p);
// Start of the entry that ends at end (end > node first()).
const char* EntryBefore(const char* end);
// Writes e at p (e.size bytes).
void WriteEntry(char* p, const PackedElem& e);

// A new empty node with room for at least need data bytes, with its slack at the head
// (slack_at_head) or the tail.
ListNode* NewListNode(size_t need, bool slack_at_head);
// A byte copy of n (same capacity).
ListNode* CopyListNode(const ListNode* n);
void FreeListNode(ListNode* n);
// Replaces *n by its compressed form when it holds at least 48 bytes of entries and LZF saves
// more than 8 (Redis's thresholds, so small or incompressible nodes stay plain); returns
// whether *n is compressed now.
bool CompressListNode(ListNode** n);
// Replaces a compressed *n by its plain form.
void DecompressListNode(ListNode** n);
// The start of n's entries (n->used() bytes): n's own bytes or, when n is compressed, *buf
// holding them decompressed (valid until *buf changes).
const char* ListNodeEntries(const ListNode* n, std::string* buf);
// Bytes the allocator holds for n.
size_t ListNodeBytes(const ListNode* n);
// Data bytes a node may hold under limit (list-max-listpack-size, store/encoding_limits.h).
inline size_t ListNodeDataMax(const ListNodeLimit& limit) {
  return limit.block_bytes - sizeof(ListNode);
}
// Whether e can join n without passing the node limit in force now.
inline bool ListNodeFits(const ListNode* n, const PackedElem& e) {
  ListNodeLimit limit = CurrentListNodeLimit();
  return n->count < limit.max_count && n->used() + e.size <= ListNodeDataMax(limit);
}
// Makes room for e at the head or tail of *n (reallocating or shifting as needed; *n may
// change) and writes it there. The caller checked ListNodeFits.
void ListNodePush(ListNode** n, const PackedElem& e, bool at_head);

// Strict decimal integer (Redis's rule: optional '-', no leading zeros, no '+', fits int64).
bool ParseListInt(std::string_view text, int64_t* out);

}  // namespace cairn::store::detail
