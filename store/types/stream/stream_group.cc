// store/types/stream/stream_group.cc — a stream's consumer groups: consumers, the pending entries list
// (PEL) kept as a vector sorted by ID, and the group table of a Stream (stream.h).
#include <algorithm>

#include "store/types/stream/stream.h"

namespace cairn::store {

namespace {

template <class V>
auto NameLowerBound(V& v, std::string_view name) {
  return std::lower_bound(v.begin(), v.end(), name,
                          [](const auto& x, std::string_view n) { return x.name < n; });
}

}  // namespace

StreamConsumer* StreamGroup::FindConsumer(std::string_view name) {
  auto it = NameLowerBound(consumers, name);
  return it != consumers.end() && it->name == name ? &*it : nullptr;
}

const StreamConsumer* StreamGroup::FindConsumer(std::string_view name) const {
  auto it = NameLowerBound(consumers, name);
  return it != consumers.end() && it->name == name ? &*it : nullptr;
}

const StreamConsumer* StreamGroup::ConsumerById(uint64_t cid) const {
  for (const StreamConsumer& c : consumers) {
    if (c.cid == cid) return &c;
  }
  return nullptr;
}

StreamConsumer* StreamGroup::GetOrCreateConsumer(std::string_view name, int64_t now_ms,
                                                 bool* created) {
  auto it = NameLowerBound(consumers, name);
  *created = it == consumers.end() || it->name != name;
  if (!*created) return &*it;
  StreamConsumer c;
  c.name = std::string(name);
  c.cid = next_cid++;
  c.seen_ms = now_ms;
  return &*consumers.insert(it, std::move(c));
}

int64_t StreamGroup::DeleteConsumer(std::string_view name) {
  auto it = NameLowerBound(consumers, name);
  if (it == consumers.end() || it->name != name) return -1;
  uint64_t cid = it->cid;
  auto pending = static_cast<int64_t>(it->pending);
  consumers.erase(it);
  std::erase_if(pel, [cid](const StreamPending& p) { return p.consumer == cid; });
  return pending;
}

size_t StreamGroup::PendingLowerBound(StreamId id) const {
  auto it = std::lower_bound(pel.begin(), pel.end(), id,
                             [](const StreamPending& p, StreamId v) { return p.id < v; });
  return static_cast<size_t>(it - pel.begin());
}

StreamPending* StreamGroup::FindPending(StreamId id) {
  size_t i = PendingLowerBound(id);
  return i < pel.size() && pel[i].id == id ? &pel[i] : nullptr;
}

void StreamGroup::SetPending(const StreamPending& p) {
  size_t i = PendingLowerBound(p.id);
  if (i < pel.size() && pel[i].id == p.id) {
    for (StreamConsumer& c : consumers) {
      if (c.cid == pel[i].consumer) --c.pending;
    }
    pel[i] = p;
  } else {
    pel.insert(pel.begin() + static_cast<ptrdiff_t>(i), p);
  }
  for (StreamConsumer& c : consumers) {
    if (c.cid == p.consumer) ++c.pending;
  }
}

bool StreamGroup::Ack(StreamId id) {
  size_t i = PendingLowerBound(id);
  if (i >= pel.size() || pel[i].id != id) return false;
  for (StreamConsumer& c : consumers) {
    if (c.cid == pel[i].consumer) --c.pending;
  }
  pel.erase(pel.begin() + static_cast<ptrdiff_t>(i));
  return true;
}

StreamGroup* Stream::FindGroup(std::string_view name) {
  auto it = NameLowerBound(groups_, name);
  return it != groups_.end() && it->name == name ? &*it : nullptr;
}

const StreamGroup* Stream::FindGroup(std::string_view name) const {
  auto it = NameLowerBound(groups_, name);
  return it != groups_.end() && it->name == name ? &*it : nullptr;
}

StreamGroup* Stream::CreateGroup(std::string_view name, StreamId last, int64_t entries_read) {
  auto it = NameLowerBound(groups_, name);
  if (it != groups_.end() && it->name == name) return nullptr;
  StreamGroup g;
  g.name = std::string(name);
  g.last_delivered = last;
  g.entries_read = entries_read;
  return &*groups_.insert(it, std::move(g));
}

bool Stream::DestroyGroup(std::string_view name) {
  auto it = NameLowerBound(groups_, name);
  if (it == groups_.end() || it->name != name) return false;
  groups_.erase(it);
  return true;
}

}  // namespace cairn::store
