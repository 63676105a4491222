// store/types/list/list.cc — the list value (see list.h): the ring of packed nodes and the operations
// on it. Store-level operations that also log live in list_ops.cc.
#include "store/types/list/list.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "store/codec.h"
#include "store/memory.h"
#include "store/object_families.h"

namespace cairn::store {

using detail::ListNode;

ListObject::~ListObject() {
  for (size_t i = 0; i < nodes_; ++i) detail::FreeListNode(node(i));
  std::free(ring_);
}

ObjRef ListObject::Clone() const {
  auto* c = new ListObject();
  c->depth_ = depth_;
  while (c->ring_cap_ < nodes_) c->RingGrow();
  for (size_t i = 0; i < nodes_; ++i) c->ring_[i] = detail::CopyListNode(node(i));
  c->nodes_ = nodes_;
  c->count_ = count_;
  return ObjRef(c);
}

size_t ListObject::memory_bytes() const { return sampled_memory_bytes(0); }

// The first `samples` nodes stand for all of them (their average times the node count).
size_t ListObject::sampled_memory_bytes(size_t samples) const {
  size_t bytes = AllocationSize(sizeof(ListObject));
  if (ring_cap_ > 0) bytes += AllocationSize(ring_cap_ * sizeof(Node*));
  size_t seen = samples == 0 ? nodes_ : std::min(samples, nodes_);
  size_t node_bytes = 0;
  for (size_t i = 0; i < seen; ++i) node_bytes += detail::ListNodeBytes(node(i));
  if (seen > 0 && seen < nodes_) node_bytes = node_bytes / seen * nodes_;
  return bytes + node_bytes;
}

size_t ListObject::compressed_nodes() const {
  size_t n = 0;
  for (size_t i = 0; i < nodes_; ++i) n += node(i)->compressed() ? 1 : 0;
  return n;
}

size_t ListObject::entry_bytes() const {
  size_t bytes = 0;
  for (size_t i = 0; i < nodes_; ++i) bytes += node(i)->used();
  return bytes;
}

void ListObject::Encode(std::string* out) const {
  codec::PutVarint(out, count_);
  std::string scratch;
  VisitRange(0, count_, [&](const ListElem& e) {
    std::string_view text = e.View(&scratch);
    codec::PutVarint(out, text.size());
    out->append(text);
  });
}

ObjRef DecodeListObject(std::string_view bytes) {
  codec::Decoder d(bytes);
  uint64_t count = 0;
  if (!d.Varint(&count) || count == 0) return ObjRef();
  ObjRef ref(new ListObject());
  auto* list = static_cast<ListObject*>(ref.get());
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t len = 0;
    std::string_view elem;
    if (!d.Varint(&len) || !d.Bytes(len, &elem)) return ObjRef();
    list->Push(ListSide::kTail, elem);
  }
  return d.empty() ? ref : ObjRef();
}

// ---- The ring of nodes ---------------------------------------------------------------------

void ListObject::RingGrow() {
  size_t cap = ring_cap_ == 0 ? 4 : ring_cap_ * 2;
  auto* ring = static_cast<Node**>(std::malloc(cap * sizeof(Node*)));
  if (ring == nullptr) std::abort();
  for (size_t i = 0; i < nodes_; ++i) ring[i] = node(i);
  std::free(ring_);
  ring_ = ring;
  ring_cap_ = cap;
  head_ = 0;
}

void ListObject::RingInsert(size_t i, Node* n) {
  if (nodes_ == ring_cap_) RingGrow();
  if (i == 0) {
    head_ = (head_ + ring_cap_ - 1) & (ring_cap_ - 1);
  } else {
    for (size_t j = nodes_; j > i; --j) node(j) = node(j - 1);
  }
  ++nodes_;
  node(i) = n;
}

void ListObject::RingErase(size_t i) {
  if (i == 0) {
    head_ = (head_ + 1) & (ring_cap_ - 1);
  } else {
    for (size_t j = i; j + 1 < nodes_; ++j) node(j) = node(j + 1);
  }
  --nodes_;
}

void ListObject::RemoveEmptyNode(size_t k) {
  detail::FreeListNode(node(k));
  RingErase(k);
}

// ---- Compression ---------------------------------------------------------------------------

void ListObject::SettleCompression(size_t moved) {
  if (depth_ == 0) return;
  // Just outside the zone, at either end: plain.
  for (size_t i = 0; i < moved && i < depth_; ++i) {
    size_t k = depth_ - 1 - i;
    if (k >= nodes_) continue;
    detail::DecompressListNode(&node(k));
    detail::DecompressListNode(&node(nodes_ - 1 - k));
  }
  // Just inside it: compressed (the zone is symmetric, so k inside means its mirror is too).
  for (size_t i = 0; i < moved; ++i) {
    size_t k = depth_ + i;
    if (!InCompressedZone(k)) break;
    detail::CompressListNode(&node(k));
    detail::CompressListNode(&node(nodes_ - 1 - k));
  }
}

// ---- Both ends -----------------------------------------------------------------------------

void ListObject::Push(ListSide side, std::string_view text) {
  ListElem e = ListElem::Of(text);
  bool head = side == ListSide::kHead;
  size_t k = head ? 0 : nodes_ - 1;
  bool new_node = nodes_ == 0 || !detail::ListNodeFits(node(k), e);
  if (new_node) {
    k = head ? 0 : nodes_;
    RingInsert(k, detail::NewListNode(e.size, head));
  }
  detail::ListNodePush(&node(k), e, head);
  ++count_;
  if (new_node) SettleCompression();
}

void ListObject::Pop(ListSide side, size_t n, const Visitor& visit) {
  bool head = side == ListSide::kHead;
  while (n > 0 && count_ > 0) {
    size_t k = head ? 0 : nodes_ - 1;
    Node* nd = node(k);
    if (head) {
      ListElem e = detail::ReadEntry(nd->first());
      visit(e);
      nd->begin += static_cast<uint32_t>(e.size);
    } else {
      const char* start = detail::EntryBefore(nd->last_end());
      visit(detail::ReadEntry(start));
      nd->end = static_cast<uint32_t>(start - nd->data);
    }
    --nd->count;
    --count_;
    --n;
    if (nd->count == 0) {
      RemoveEmptyNode(k);
      SettleCompression();  // the next node to pop from may have been compressed
    }
  }
}

// ---- By index ------------------------------------------------------------------------------

size_t ListObject::Locate(size_t index, size_t* within) const {
  if (index < count_ / 2) {
    size_t k = 0;
    while (index >= node(k)->count) index -= node(k++)->count;
    *within = index;
    return k;
  }
  size_t from_tail = count_ - 1 - index;  // 0 = last element
  size_t k = nodes_ - 1;
  while (from_tail >= node(k)->count) from_tail -= node(k--)->count;
  *within = node(k)->count - 1 - from_tail;
  return k;
}

ListElem ListObject::At(size_t index, std::string* node_buf) const {
  size_t within = 0;
  size_t k = Locate(index, &within);
  const Node* nd = node(k);
  const char* first = EntriesOf(k, node_buf);
  if (within < nd->count / 2) {
    const char* p = first;
    for (;; --within) {
      ListElem e = detail::ReadEntry(p);
      if (within == 0) return e;
      p += e.size;
    }
  }
  const char* end = first + nd->used();
  for (size_t back = nd->count - 1 - within;; --back) {
    const char* start = detail::EntryBefore(end);
    if (back == 0) return detail::ReadEntry(start);
    end = start;
  }
}

void ListObject::VisitRange(size_t start, size_t count, const Visitor& visit) const {
  if (count == 0) return;
  size_t within = 0;
  size_t k = Locate(start, &within);
  std::string node_buf;
  const char* p = EntriesOf(k, &node_buf);
  const char* end = p + node(k)->used();
  for (; within > 0; --within) p += detail::ReadEntry(p).size;
  while (count > 0) {
    if (p == end) {
      p = EntriesOf(++k, &node_buf);
      end = p + node(k)->used();
    }
    ListElem e = detail::ReadEntry(p);
    visit(e);
    p += e.size;
    --count;
  }
}

void ListObject::Scan(size_t start, bool reverse,
                      const std::function<bool(const ListElem&)>& visit) const {
  if (start >= count_) return;
  std::string node_buf;
  if (!reverse) {
    bool go = true;
    // VisitRange cannot stop early; walk node by node instead.
    size_t within = 0;
    size_t k = Locate(start, &within);
    for (; k < nodes_ && go; ++k, within = 0) {
      const char* p = EntriesOf(k, &node_buf);
      for (size_t i = 0; i < node(k)->count && go; ++i) {
        ListElem e = detail::ReadEntry(p);
        p += e.size;
        if (i >= within) go = visit(e);
      }
    }
    return;
  }
  size_t within = 0;
  size_t k = Locate(start, &within);
  for (bool go = true; go; --k) {
    const char* end = EntriesOf(k, &node_buf) + node(k)->used();
    for (size_t i = node(k)->count; i-- > 0 && go;) {
      const char* s = detail::EntryBefore(end);
      if (i <= within) go = visit(detail::ReadEntry(s));
      end = s;
    }
    if (k == 0) return;
    within = node(k - 1)->count - 1;
  }
}

// ---- Changes in the middle -----------------------------------------------------------------

std::vector<ListElem> ListObject::Entries(size_t k, std::string* node_buf) const {
  std::vector<ListElem> out;
  out.reserve(node(k)->count);
  const char* p = EntriesOf(k, node_buf);
  for (uint32_t i = 0; i < node(k)->count; ++i) {
    out.push_back(detail::ReadEntry(p));
    p += out.back().size;
  }
  return out;
}

void ListObject::ReplaceNode(size_t k, const std::vector<ListElem>& elems) {
  // The new nodes are built before the old one is freed: elems point into it.
  std::vector<Node*> built;
  store::ListNodeLimit limit = store::CurrentListNodeLimit();
  size_t data_max = detail::ListNodeDataMax(limit);
  size_t i = 0;
  while (i < elems.size()) {
    size_t bytes = 0, j = i;
    while (j < elems.size() &&
           (j == i || (bytes + elems[j].size <= data_max && j - i < limit.max_count))) {
      bytes += elems[j++].size;
    }
    Node* n = detail::NewListNode(bytes, false);
    for (; i < j; ++i) detail::ListNodePush(&n, elems[i], false);
    built.push_back(n);
  }
  count_ = count_ - node(k)->count + elems.size();
  RemoveEmptyNode(k);
  for (size_t b = 0; b < built.size(); ++b) RingInsert(k + b, built[b]);
  // Only now, with the final node count, is it known which of them lie in the zone.
  for (size_t b = 0; b < built.size(); ++b) {
    if (InCompressedZone(k + b)) detail::CompressListNode(&node(k + b));
  }
  // The nodes before k moved by built.size() - 1 places relative to the tail, and those
  // after it relative to the head (one place back when none was built).
  SettleCompression(std::max<size_t>(built.size(), 1));
}

bool ListObject::SetInPlace(size_t k, size_t within, const ListElem& e) {
  Node* n = node(k);
  if (n->compressed()) return false;
  char* p = n->data + n->begin;
  for (size_t i = 0; i < within; ++i) p += detail::ReadEntry(p).size;
  size_t old_size = detail::ReadEntry(p).size;
  size_t used = n->used() - old_size + e.size;
  // A node that would pass the limit splits, and one whose block lacks the room grows: both
  // are ReplaceNode's work.
  if (used > detail::ListNodeDataMax(store::CurrentListNodeLimit()) ||
      n->begin + used > n->cap) {
    return false;
  }
  char* tail = p + old_size;
  std::memmove(p + e.size, tail, static_cast<size_t>(n->data + n->end - tail));
  detail::WriteEntry(p, e);
  n->end = static_cast<uint32_t>(n->begin + used);
  return true;
}

void ListObject::Set(size_t index, std::string_view text) {
  size_t within = 0;
  size_t k = Locate(index, &within);
  if (SetInPlace(k, within, ListElem::Of(text))) return;
  std::string node_buf;
  std::vector<ListElem> elems = Entries(k, &node_buf);
  elems[within] = ListElem::Of(text);
  ReplaceNode(k, elems);
}

void ListObject::Insert(size_t index, std::string_view text) {
  if (index == 0 || index == count_) {
    Push(index == 0 ? ListSide::kHead : ListSide::kTail, text);
    return;
  }
  size_t within = 0;
  size_t k = Locate(index, &within);
  std::string node_buf;
  std::vector<ListElem> elems = Entries(k, &node_buf);
  elems.insert(elems.begin() + static_cast<ptrdiff_t>(within), ListElem::Of(text));
  ReplaceNode(k, elems);
}

int64_t ListObject::Find(const ListNeedle& needle) const {
  int64_t found = -1, i = 0;
  Scan(0, false, [&](const ListElem& e) {
    if (needle.Matches(e)) found = i;
    ++i;
    return found < 0;
  });
  return found;
}

size_t ListObject::Remove(const ListNeedle& needle, size_t limit, bool from_tail) {
  size_t removed = 0;
  std::string node_buf;
  for (size_t step = 0; step < nodes_ && (limit == 0 || removed < limit);) {
    size_t k = from_tail ? nodes_ - 1 - step : step;
    std::vector<ListElem> elems = Entries(k, &node_buf);
    std::vector<ListElem> kept;
    kept.reserve(elems.size());
    for (size_t n = 0; n < elems.size(); ++n) {
      const ListElem& e = elems[from_tail ? elems.size() - 1 - n : n];
      bool take = (limit == 0 || removed < limit) && needle.Matches(e);
      if (take) ++removed;
      else kept.push_back(e);
    }
    if (kept.size() == elems.size()) {
      ++step;
      continue;
    }
    if (from_tail) std::reverse(kept.begin(), kept.end());
    size_t before = nodes_;
    ReplaceNode(k, kept);
    // The node shrank, so it became one node or none: step past it, or (none) the node now
    // at this step from the same end is the next one.
    step += 1 - (before - nodes_);
  }
  return removed;
}

void ListObject::Trim(size_t head, size_t tail) {
  size_t nodes_before = nodes_;
  while (head > 0 && head >= node(0)->count) {
    head -= node(0)->count;
    count_ -= node(0)->count;
    RemoveEmptyNode(0);
  }
  while (tail > 0 && tail >= node(nodes_ - 1)->count) {
    tail -= node(nodes_ - 1)->count;
    count_ -= node(nodes_ - 1)->count;
    RemoveEmptyNode(nodes_ - 1);
  }
  SettleCompression(nodes_before - nodes_);  // the new end nodes may have been compressed
  auto ignore = [](const ListElem&) {};
  Pop(ListSide::kHead, head, ignore);
  Pop(ListSide::kTail, tail, ignore);
}

}  // namespace cairn::store
