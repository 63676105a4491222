// store/types/stream/stream.cc — the stream's entries: packed nodes, ranges, deletion and trimming
// (representation in stream.h). Groups live in stream_group.cc, the snapshot encoding and
// the logged ops in stream_ops.cc.
#include "store/types/stream/stream.h"

#include <algorithm>

#include "store/codec.h"
#include "store/encoding_limits.h"
#include "store/types/stream/detail/stream_node.h"

namespace cairn::store {

using detail::kEntryDeleted;
using detail::kEntrySameFields;
using detail::NodeReader;
using detail::PutString;

bool StreamId::Incr(StreamId* out) const {
  if (seq < UINT64_MAX) {
    *out = {ms, seq + 1};
    return true;
  }
  if (ms == UINT64_MAX) return false;
  *out = {ms + 1, 0};
  return true;
}

bool StreamId::Decr(StreamId* out) const {
  if (seq > 0) {
    *out = {ms, seq - 1};
    return true;
  }
  if (ms == 0) return false;
  *out = {ms - 1, UINT64_MAX};
  return true;
}

std::string FormatStreamId(StreamId id) {
  return std::to_string(id.ms) + "-" + std::to_string(id.seq);
}

ObjRef Stream::Clone() const {
  auto* s = new Stream();
  s->nodes_ = nodes_;
  s->length_ = length_;
  s->last_id_ = last_id_;
  s->entries_added_ = entries_added_;
  s->max_deleted_ = max_deleted_;
  s->groups_ = groups_;
  return ObjRef(s);
}

size_t Stream::memory_bytes() const {
  size_t bytes = sizeof(Stream) + nodes_.capacity() * sizeof(Node);
  for (const Node& n : nodes_) bytes += n.data.capacity() + 1;
  for (const StreamGroup& g : groups_) {
    bytes += sizeof(StreamGroup) + g.name.capacity() + g.pel.capacity() * sizeof(StreamPending);
    bytes += g.consumers.capacity() * sizeof(StreamConsumer);
  }
  return bytes;
}

void Stream::SetMeta(StreamId last, uint64_t entries_added, StreamId max_deleted) {
  last_id_ = last;
  entries_added_ = entries_added;
  max_deleted_ = max_deleted;
}

StreamId Stream::first_id() const {
  StreamId first;
  Range({}, StreamId::Max(), false, [&](StreamId id, std::span<const std::string_view>) {
    first = id;
    return false;
  });
  return first;
}

namespace {

// Whether fv's fields are the node's master fields (read in place: no allocation per XADD).
bool SameFields(std::string_view node, std::span<const std::string_view> fv) {
  size_t pos = 0;
  uint64_t n = detail::ReadNodeVarint(node, &pos);
  if (n * 2 != fv.size()) return false;
  for (size_t i = 0; i < n; ++i) {
    if (detail::ReadNodeString(node, &pos) != fv[2 * i]) return false;
  }
  return true;
}

void PutEntry(std::string* out, StreamId base, StreamId id, bool same,
              std::span<const std::string_view> fv) {
  codec::PutU8(out, same ? kEntrySameFields : 0);
  uint64_t ms_delta = id.ms - base.ms;
  codec::PutVarint(out, ms_delta);
  codec::PutVarint(out, ms_delta == 0 ? id.seq - base.seq : id.seq);
  if (same) {
    for (size_t i = 1; i < fv.size(); i += 2) PutString(out, fv[i]);
    return;
  }
  codec::PutVarint(out, fv.size() / 2);
  for (std::string_view s : fv) PutString(out, s);
}

}  // namespace

void Stream::StartNode(StreamId id, std::span<const std::string_view> fv) {
  // The node before is complete: give back its growth slack.
  if (!nodes_.empty()) nodes_.back().data.shrink_to_fit();
  Node& n = nodes_.emplace_back();
  n.base = id;
  codec::PutVarint(&n.data, fv.size() / 2);
  for (size_t i = 0; i < fv.size(); i += 2) PutString(&n.data, fv[i]);
  PutEntry(&n.data, id, id, true, fv);
  n.live = n.total = 1;
}

bool Stream::AppendToLast(StreamId id, std::span<const std::string_view> fv) {
  if (nodes_.empty()) return false;
  Node& n = nodes_.back();
  // stream-node-max-entries / -bytes; 0 lifts the limit.
  size_t max_entries = LimitOf(encoding_limits().stream_node_max_entries);
  size_t max_bytes = LimitOf(encoding_limits().stream_node_max_bytes);
  if (max_entries != 0 && n.total >= max_entries) return false;
  if (max_bytes != 0 && n.data.size() >= max_bytes) return false;
  PutEntry(&n.data, n.base, id, SameFields(n.data, fv), fv);
  ++n.live;
  ++n.total;
  return true;
}

void Stream::Add(StreamId id, std::span<const std::string_view> fv) {
  if (!AppendToLast(id, fv)) StartNode(id, fv);
  ++length_;
  ++entries_added_;
  last_id_ = id;
}

size_t Stream::NodeFor(StreamId id) const {
  auto it = std::upper_bound(nodes_.begin(), nodes_.end(), id,
                             [](StreamId v, const Node& n) { return v < n.base; });
  if (it == nodes_.begin()) return static_cast<size_t>(-1);
  return static_cast<size_t>(it - nodes_.begin()) - 1;
}

bool Stream::Delete(StreamId id) {
  size_t i = NodeFor(id);
  if (i == static_cast<size_t>(-1)) return false;
  Node& n = nodes_[i];
  NodeReader r(n.data, n.base);
  while (!r.Done()) {
    StreamId cur;
    uint8_t flags;
    size_t flag_pos;
    r.Next(&cur, &flags, &flag_pos, nullptr);
    if (cur > id) return false;
    if (cur != id || (flags & kEntryDeleted)) continue;
    n.data[flag_pos] = static_cast<char>(flags | kEntryDeleted);
    --length_;
    if (--n.live == 0) nodes_.erase(nodes_.begin() + static_cast<ptrdiff_t>(i));
    if (id > max_deleted_) max_deleted_ = id;
    return true;
  }
  return false;
}

void Stream::TrimOldest(uint64_t n) {
  size_t whole = 0;
  while (whole < nodes_.size() && nodes_[whole].live <= n) {
    n -= nodes_[whole].live;
    length_ -= nodes_[whole].live;
    ++whole;
  }
  nodes_.erase(nodes_.begin(), nodes_.begin() + static_cast<ptrdiff_t>(whole));
  if (n == 0 || nodes_.empty()) return;
  Node& node = nodes_.front();
  NodeReader r(node.data, node.base);
  while (n > 0 && !r.Done()) {
    StreamId id;
    uint8_t flags;
    size_t flag_pos;
    r.Next(&id, &flags, &flag_pos, nullptr);
    if (flags & kEntryDeleted) continue;
    node.data[flag_pos] = static_cast<char>(flags | kEntryDeleted);
    --node.live;
    --length_;
    --n;
  }
}

uint64_t Stream::CountTrim(const TrimSpec& spec) const {
  uint64_t removed = 0;
  for (const Node& n : nodes_) {
    uint64_t remaining = length_ - removed;
    if (!spec.minid && remaining <= spec.maxlen) break;
    // Whole node: MAXLEN may drop it if enough stays; MINID if its last entry is below.
    bool whole = false;
    if (!spec.minid) {
      whole = remaining - n.live >= spec.maxlen;
    } else {
      StreamId next_base = (&n == &nodes_.back()) ? StreamId::Max() : (&n + 1)->base;
      whole = &n != &nodes_.back() ? next_base <= spec.min_id : last_id_ < spec.min_id;
    }
    if (whole) {
      if (spec.limit != 0 && removed + n.live > spec.limit) break;
      removed += n.live;
      continue;
    }
    if (spec.approx) break;
    // Exact: count this node's entries one by one, then stop.
    NodeReader r(n.data, n.base);
    while (!r.Done()) {
      StreamId id;
      uint8_t flags;
      size_t flag_pos;
      r.Next(&id, &flags, &flag_pos, nullptr);
      if (flags & kEntryDeleted) continue;
      if (spec.minid ? id >= spec.min_id : length_ - removed <= spec.maxlen) break;
      ++removed;
    }
    break;
  }
  return removed;
}

void Stream::RangeForward(StreamId start, StreamId end, const Visitor& visit) const {
  size_t i = NodeFor(start);
  if (i == static_cast<size_t>(-1)) i = 0;
  std::vector<std::string_view> fv;
  for (; i < nodes_.size(); ++i) {
    const Node& n = nodes_[i];
    if (n.base > end) return;
    NodeReader r(n.data, n.base);
    while (!r.Done()) {
      StreamId id;
      uint8_t flags;
      size_t flag_pos;
      r.Next(&id, &flags, &flag_pos, &fv);
      if (id > end) return;
      if (id < start || (flags & kEntryDeleted)) continue;
      if (!visit(id, fv)) return;
    }
  }
}

void Stream::RangeReverse(StreamId start, StreamId end, const Visitor& visit) const {
  size_t i = NodeFor(end);
  if (i == static_cast<size_t>(-1)) return;
  std::vector<size_t> offsets;
  std::vector<std::string_view> fv;
  for (size_t k = i + 1; k-- > 0;) {
    const Node& n = nodes_[k];
    // Collect the node's matching entry offsets, then decode them again from the last one.
    NodeReader r(n.data, n.base);
    offsets.clear();
    while (!r.Done()) {
      size_t at = r.pos();
      StreamId id;
      uint8_t flags;
      size_t flag_pos;
      r.Next(&id, &flags, &flag_pos, nullptr);
      if (!(flags & kEntryDeleted) && id >= start && id <= end) offsets.push_back(at);
    }
    for (auto it = offsets.rbegin(); it != offsets.rend(); ++it) {
      StreamId id;
      uint8_t flags;
      size_t flag_pos;
      r.Seek(*it);
      r.Next(&id, &flags, &flag_pos, &fv);
      if (!visit(id, fv)) return;
    }
    if (n.base < start) return;
  }
}

void Stream::Range(StreamId start, StreamId end, bool reverse, const Visitor& visit) const {
  if (start > end) return;
  if (reverse) {
    RangeReverse(start, end, visit);
  } else {
    RangeForward(start, end, visit);
  }
}

bool Stream::Contains(StreamId id) const {
  bool found = false;
  Range(id, id, false, [&](StreamId, std::span<const std::string_view>) {
    found = true;
    return false;
  });
  return found;
}

bool Stream::RangeHasTombstones(StreamId start) const {
  if (length_ == 0 || max_deleted_.IsZero()) return false;
  return start <= max_deleted_;
}

int64_t Stream::EstimateEntriesRead(StreamId id) const {
  if (entries_added_ == 0) return 0;
  if (length_ == 0 && id <= last_id_) return static_cast<int64_t>(entries_added_);
  if (id == last_id_) return static_cast<int64_t>(entries_added_);
  if (id > last_id_) return kInvalidEntriesRead;
  StreamId first = first_id();
  if (max_deleted_.IsZero() || max_deleted_ < first) {
    if (id < first) return static_cast<int64_t>(entries_added_ - length_);
    if (id == first) return static_cast<int64_t>(entries_added_ - length_ + 1);
  }
  return kInvalidEntriesRead;
}

int64_t Stream::EntriesReadAfter(int64_t entries_read, StreamId id) const {
  if (entries_read != kInvalidEntriesRead && !RangeHasTombstones(id)) return entries_read + 1;
  if (entries_added_ != 0) return EstimateEntriesRead(id);
  return entries_read;
}

bool Stream::Lag(const StreamGroup& g, int64_t* lag) const {
  if (entries_added_ == 0) {
    *lag = 0;
    return true;
  }
  int64_t read = g.entries_read;
  if (read == kInvalidEntriesRead || RangeHasTombstones(g.last_delivered)) {
    read = EstimateEntriesRead(g.last_delivered);
  }
  if (read == kInvalidEntriesRead) return false;
  *lag = static_cast<int64_t>(entries_added_) - read;
  return true;
}

}  // namespace cairn::store
