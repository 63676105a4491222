// store/types/stream/stream_ops.cc — the logged stream ops and their replay (grammar in stream_ops.h).
#include "store/types/stream/stream_ops.h"

#include <string>

#include "store/codec.h"
#include "store/object_families.h"
#include "store/types/stream/detail/stream_node.h"

namespace cairn::store {
namespace {

using detail::PutId;
using detail::PutString;

enum StreamOp : uint8_t {
  kAdd = 1,
  kDel = 2,
  kTrim = 3,
  kGroupCreate = 4,
  kGroupDestroy = 5,
  kGroupSetId = 6,
  kConsumerCreate = 7,
  kConsumerDelete = 8,
  kDeliver = 9,
  kAck = 10,
  kClaim = 11,
  kSetId = 12,
};

constexpr uint8_t kDeliverNew = 1;
constexpr uint8_t kDeliverNoAck = 2;

Stream* Mutable(KeyHandle& h, Entry* e) { return static_cast<Stream*>(h.MutableObject(e)); }
// For consumer-group changes: Redis does not count them as changes of the key (a WATCH on the
// stream survives XGROUP, XREADGROUP, XACK, XCLAIM), only changes of its entries.
Stream* GroupMutable(KeyHandle& h, Entry* e) {
  return static_cast<Stream*>(h.MutableObjectQuietly(e));
}

void PutIds(std::string* out, std::span<const StreamId> ids) {
  codec::PutVarint(out, ids.size());
  for (StreamId id : ids) PutId(out, id);
}
// entries_read may be -1 (invalid): logged shifted by one.
void PutEntriesRead(std::string* out, int64_t v) {
  codec::PutVarint(out, static_cast<uint64_t>(v + 1));
}

std::string Begin(StreamOp op, std::string_view group = {}) {
  std::string p;
  codec::PutU8(&p, op);
  if (op >= kGroupCreate && op <= kClaim) PutString(&p, group);
  return p;
}

void Log(KeyHandle& h, const std::string& payload) { h.LogObjectOp(ValueType::kStream, payload); }

}  // namespace

Entry* StreamAdd(KeyHandle& h, Entry* e, StreamId id, std::span<const std::string_view> fv) {
  if (e == nullptr) e = h.CreateObject(ObjRef(new Stream()));
  Mutable(h, e)->Add(id, fv);
  if (h.logging()) {
    std::string p = Begin(kAdd);
    PutId(&p, id);
    codec::PutVarint(&p, fv.size() / 2);
    for (std::string_view s : fv) PutString(&p, s);
    Log(h, p);
  }
  return e;
}

uint64_t StreamDelete(KeyHandle& h, Entry* e, std::span<const StreamId> ids) {
  auto* s = static_cast<Stream*>(h.MutableObjectQuietly(e));
  uint64_t deleted = 0;
  for (StreamId id : ids) deleted += s->Delete(id) ? 1 : 0;
  if (deleted > 0) h.MarkChanged();
  if (h.logging() && deleted > 0) {
    std::string p = Begin(kDel);
    PutIds(&p, ids);
    Log(h, p);
  }
  return deleted;
}

void StreamTrim(KeyHandle& h, Entry* e, uint64_t n) {
  if (n == 0) return;
  Mutable(h, e)->TrimOldest(n);
  if (h.logging()) {
    std::string p = Begin(kTrim);
    codec::PutVarint(&p, n);
    Log(h, p);
  }
}

void StreamSetId(KeyHandle& h, Entry* e, StreamId last, uint64_t entries_added,
                 StreamId max_deleted) {
  Mutable(h, e)->SetMeta(last, entries_added, max_deleted);
  if (h.logging()) {
    std::string p = Begin(kSetId);
    PutId(&p, last);
    codec::PutVarint(&p, entries_added);
    PutId(&p, max_deleted);
    Log(h, p);
  }
}

bool StreamGroupCreate(KeyHandle& h, Entry* e, std::string_view group, StreamId last,
                       int64_t entries_read) {
  if (e == nullptr) e = h.CreateObject(ObjRef(new Stream()));
  if (GroupMutable(h, e)->CreateGroup(group, last, entries_read) == nullptr) return false;
  if (h.logging()) {
    std::string p = Begin(kGroupCreate, group);
    PutId(&p, last);
    PutEntriesRead(&p, entries_read);
    Log(h, p);
  }
  return true;
}

bool StreamGroupDestroy(KeyHandle& h, Entry* e, std::string_view group) {
  if (!GroupMutable(h, e)->DestroyGroup(group)) return false;
  if (h.logging()) Log(h, Begin(kGroupDestroy, group));
  return true;
}

void StreamGroupSetId(KeyHandle& h, Entry* e, std::string_view group, StreamId last,
                      int64_t entries_read) {
  StreamGroup* g = GroupMutable(h, e)->FindGroup(group);
  if (g == nullptr) return;
  g->last_delivered = last;
  g->entries_read = entries_read;
  if (h.logging()) {
    std::string p = Begin(kGroupSetId, group);
    PutId(&p, last);
    PutEntriesRead(&p, entries_read);
    Log(h, p);
  }
}

bool StreamConsumerCreate(KeyHandle& h, Entry* e, std::string_view group, std::string_view consumer,
                          int64_t now_ms) {
  StreamGroup* g = GroupMutable(h, e)->FindGroup(group);
  if (g == nullptr) return false;
  bool created = false;
  g->GetOrCreateConsumer(consumer, now_ms, &created);
  if (created && h.logging()) {
    std::string p = Begin(kConsumerCreate, group);
    PutString(&p, consumer);
    codec::PutVarint(&p, static_cast<uint64_t>(now_ms));
    Log(h, p);
  }
  return created;
}

int64_t StreamConsumerDelete(KeyHandle& h, Entry* e, std::string_view group,
                             std::string_view consumer) {
  StreamGroup* g = GroupMutable(h, e)->FindGroup(group);
  if (g == nullptr) return -1;
  int64_t pending = g->DeleteConsumer(consumer);
  if (pending >= 0 && h.logging()) {
    std::string p = Begin(kConsumerDelete, group);
    PutString(&p, consumer);
    Log(h, p);
  }
  return pending;
}

bool StreamDeliver(KeyHandle& h, Entry* e, const StreamDelivery& d) {
  StreamGroup* g = GroupMutable(h, e)->FindGroup(d.group);
  if (g == nullptr) return false;
  bool created = false;
  StreamConsumer* c = g->GetOrCreateConsumer(d.consumer, d.now_ms, &created);
  c->seen_ms = d.now_ms;
  uint64_t cid = c->cid;
  if (d.is_new) {
    g->last_delivered = d.last;
    g->entries_read = d.entries_read;
    if (!d.noack) {
      for (StreamId id : d.ids) g->SetPending({id, cid, d.now_ms, 1});
    }
  } else {
    for (StreamId id : d.ids) {  // re-read from the PEL: delivered once more
      StreamPending* p = g->FindPending(id);
      if (p == nullptr) continue;
      p->delivery_ms = d.now_ms;
      ++p->delivery_count;
    }
  }
  if (!h.logging()) return created;
  std::string p = Begin(kDeliver, d.group);
  PutString(&p, d.consumer);
  codec::PutVarint(&p, static_cast<uint64_t>(d.now_ms));
  codec::PutU8(&p, (d.is_new ? kDeliverNew : 0) | (d.noack ? kDeliverNoAck : 0));
  if (d.is_new) {
    PutId(&p, d.last);
    PutEntriesRead(&p, d.entries_read);
  }
  PutIds(&p, d.ids);
  Log(h, p);
  return created;
}

uint64_t StreamAck(KeyHandle& h, Entry* e, std::string_view group, std::span<const StreamId> ids) {
  StreamGroup* g = GroupMutable(h, e)->FindGroup(group);
  if (g == nullptr) return 0;
  uint64_t acked = 0;
  for (StreamId id : ids) acked += g->Ack(id) ? 1 : 0;
  if (acked > 0 && h.logging()) {
    std::string p = Begin(kAck, group);
    PutIds(&p, ids);
    Log(h, p);
  }
  return acked;
}

bool StreamClaimEntries(KeyHandle& h, Entry* e, const StreamClaim& c) {
  const StreamGroup* current = StreamOf(e)->FindGroup(c.group);
  if (current == nullptr) return false;
  bool raise_last = c.last != nullptr && *c.last > current->last_delivered;
  if (c.claims.empty() && !raise_last) return false;  // nothing changes; no consumer is created
  StreamGroup* g = GroupMutable(h, e)->FindGroup(c.group);
  if (raise_last) g->last_delivered = *c.last;
  bool created = false;
  if (!c.claims.empty()) {
    StreamConsumer* consumer = g->GetOrCreateConsumer(c.consumer, c.now_ms, &created);
    consumer->seen_ms = c.now_ms;
    for (StreamPending p : c.claims) {
      p.consumer = consumer->cid;
      g->SetPending(p);
    }
  }
  if (!h.logging()) return created;
  std::string p = Begin(kClaim, c.group);
  PutString(&p, c.consumer);
  codec::PutVarint(&p, static_cast<uint64_t>(c.now_ms));
  codec::PutU8(&p, c.last != nullptr ? 1 : 0);
  if (c.last != nullptr) PutId(&p, *c.last);
  codec::PutVarint(&p, c.claims.size());
  for (const StreamPending& cl : c.claims) {
    PutId(&p, cl.id);
    codec::PutVarint(&p, static_cast<uint64_t>(cl.delivery_ms));
    codec::PutVarint(&p, cl.delivery_count);
  }
  Log(h, p);
  return created;
}

}  // namespace cairn::store
