// store/types/list/list.h — the list value: a sequence of packed nodes (Redis's quicklist idea).
//
// A list is a ring of node pointers; each node (detail/list_node.h) is one allocation of at
// most 8 KB holding length-prefixed elements, small integers packed into a varint. Pushes and
// pops at either end touch only the end node: O(1) amortized. Reaching an index walks node
// counts from the nearer end, then entries inside one node: O(nodes + node size). A change in
// the middle (LSET, LINSERT, LREM, a partial LTRIM) rewrites the one node it touches, split
// into more nodes if it outgrows the limit. OBJECT ENCODING says "quicklist", as Redis 7.0
// does for every list.
//
// Compression (list-compress-depth, taken when the list is created, as in Redis): the depth
// nodes at each end stay plain and the nodes between them are held LZF-compressed where that
// pays (detail/list_node.h). Pushes and pops touch only plain nodes; reading a compressed
// node decompresses it into a buffer, and a change rewrites it and compresses it again. When
// nodes come or go, only the nodes that cross a boundary change form: O(nodes added or
// removed), where Redis walks the depth. A long queue read at its ends keeps ~1/ratio of its
// memory; LRANGE/LINDEX in the middle pay a decompression per node they visit.
//
// Snapshot encoding (Encode / DecodeListObject):
//   list := count:varint (len:varint bytes){count}     elements from head to tail
//
// Threading: none of its own; used under the key's shard lock (object.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "store/object.h"
#include "store/types/list/detail/list_node.h"

namespace cairn::store {

enum class ListSide : uint8_t { kHead = 0, kTail = 1 };

// One element as the list holds it; an integer element has is_int set and its value in num
// (ListElemText formats it). Its text points into the list's node or, for a compressed node,
// into a buffer holding it decompressed: valid during a visit (VisitRange, Scan, Pop), or
// until the list or the buffer passed to At changes.
using ListElem = detail::PackedElem;

// The element's bytes; integers are formatted into *scratch.
inline std::string_view ListElemText(const ListElem& e, std::string* scratch) {
  return e.View(scratch);
}

// A value to compare elements with (LREM, LPOS, LINSERT's pivot), prepared once.
class ListNeedle {
 public:
  explicit ListNeedle(std::string_view text) : packed_(ListElem::Of(text)) {}
  bool Matches(const ListElem& e) const {
    return e.is_int == packed_.is_int && (e.is_int ? e.num == packed_.num : e.text == packed_.text);
  }

 private:
  ListElem packed_;
};

class ListObject final : public Object {
 public:
  // The ValueType this object is held as (store/typed.h).
  static constexpr ValueType kType = ValueType::kList;

  using Visitor = std::function<void(const ListElem&)>;

  ListObject() : Object(ValueType::kList), depth_(CurrentListCompressDepth()) {}
  ~ListObject() override;

  size_t size() const override { return count_; }
  ObjRef Clone() const override;
  std::string_view encoding() const override { return "quicklist"; }
  size_t memory_bytes() const override;
  size_t sampled_memory_bytes(size_t samples) const override;
  void Encode(std::string* out) const override;
  // Packed nodes holding the elements (list-max-listpack-size bounds each one).
  size_t node_count() const { return nodes_; }
  // Plain nodes kept at each end (list-compress-depth when the list was created; 0: none
  // compressed).
  uint16_t compress_depth() const { return depth_; }
  // Compressed nodes (O(nodes)).
  size_t compressed_nodes() const;
  // The bytes all nodes' entries take uncompressed (DEBUG OBJECT's ql_uncompressed_size).
  size_t entry_bytes() const;

  void Push(ListSide side, std::string_view elem);
  // Removes up to n elements from side, visiting each (in pop order) before it goes.
  void Pop(ListSide side, size_t n, const Visitor& visit);
  // Visits count elements from index start (start + count <= size()), head to tail.
  void VisitRange(size_t start, size_t count, const Visitor& visit) const;
  // Visits elements from index start towards the head (reverse) or the tail; stops when
  // visit returns false.
  void Scan(size_t start, bool reverse, const std::function<bool(const ListElem&)>& visit) const;
  // The element at index (index < size()); its text may point into *node_buf.
  ListElem At(size_t index, std::string* node_buf) const;

  void Set(size_t index, std::string_view elem);
  // Inserts elem so that it ends up at index (0 <= index <= size()).
  void Insert(size_t index, std::string_view elem);
  // The index of the first match from the head, or -1.
  int64_t Find(const ListNeedle& needle) const;
  // Removes up to limit matches (0: all) from the head or tail side; returns how many.
  size_t Remove(const ListNeedle& needle, size_t limit, bool from_tail);
  // Removes head elements from the head and tail from the tail (head + tail <= size()).
  void Trim(size_t head, size_t tail);

 private:
  using Node = detail::ListNode;
  // The node holding index and the index's position inside it.
  size_t Locate(size_t index, size_t* within) const;
  // The entries of node k, in order (pointing into node k or *node_buf).
  std::vector<ListElem> Entries(size_t k, std::string* node_buf) const;
  // The start of node k's entries: its own bytes or *node_buf holding them decompressed.
  const char* EntriesOf(size_t k, std::string* node_buf) const {
    return detail::ListNodeEntries(node(k), node_buf);
  }
  // LSET within a plain node that keeps to the node limit and has the room: the element at
  // `within` is rewritten and the entries after it shift. False (nothing changed) otherwise.
  bool SetInPlace(size_t k, size_t within, const ListElem& e);
  // Replaces node k by nodes holding elems (none: node k is removed).
  void ReplaceNode(size_t k, const std::vector<ListElem>& elems);
  void RemoveEmptyNode(size_t k);
  // Whether node k lies between the depth_ plain nodes at each end.
  bool InCompressedZone(size_t k) const {
    return depth_ > 0 && k >= depth_ && k + depth_ < nodes_;
  }
  // After nodes came or went, moving the others by up to `moved` places: the nodes within
  // `moved` of each boundary of the zone, the only ones that may have crossed it, are made
  // plain outside it and compressed inside. O(moved), not O(depth).
  void SettleCompression(size_t moved = 1);
  // Ring of node pointers.
  Node*& node(size_t i) const { return ring_[(head_ + i) & (ring_cap_ - 1)]; }
  void RingInsert(size_t i, Node* n);
  void RingErase(size_t i);
  void RingGrow();

  Node** ring_ = nullptr;
  size_t ring_cap_ = 0;  // a power of two
  size_t head_ = 0;
  size_t nodes_ = 0;
  size_t count_ = 0;
  uint16_t depth_;  // list-compress-depth
};

}  // namespace cairn::store
