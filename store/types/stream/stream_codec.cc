// store/types/stream/stream_codec.cc — a stream's snapshot encoding (grammar in stream.h) and the replay
// of its logged ops (grammar in stream_ops.h) through the same store operations.
#include <string>
#include <vector>

#include "store/codec.h"
#include "store/object_families.h"
#include "store/typed.h"
#include "store/types/stream/detail/stream_node.h"
#include "store/types/stream/stream_ops.h"

namespace cairn::store {
namespace {

using detail::PutId;
using detail::PutString;

bool GetString(codec::Decoder& d, std::string_view* s) {
  uint64_t n = 0;
  return d.Varint(&n) && d.Bytes(n, s);
}
bool GetId(codec::Decoder& d, StreamId* id) { return d.Varint(&id->ms) && d.Varint(&id->seq); }
bool GetI64(codec::Decoder& d, int64_t* v) {
  uint64_t u = 0;
  if (!d.Varint(&u)) return false;
  *v = static_cast<int64_t>(u);
  return true;
}
bool GetEntriesRead(codec::Decoder& d, int64_t* v) {
  if (!GetI64(d, v)) return false;
  *v -= 1;
  return true;
}
bool GetIds(codec::Decoder& d, std::vector<StreamId>* ids) {
  uint64_t n = 0;
  if (!d.Varint(&n) || n > d.remaining()) return false;
  ids->resize(n);
  for (StreamId& id : *ids) {
    if (!GetId(d, &id)) return false;
  }
  return true;
}
// An entry's field/value pairs: at least one (XADD's arity), each string at least its
// length byte, so the count is checked against the bytes left before anything is sized by it.
bool GetFieldValues(codec::Decoder& d, std::vector<std::string_view>* out) {
  uint64_t pairs = 0;
  if (!d.Varint(&pairs) || pairs == 0 || pairs > d.remaining() / 2) return false;
  out->resize(2 * pairs);
  for (std::string_view& s : *out) {
    if (!GetString(d, &s)) return false;
  }
  return true;
}

// The ID of the newest entry (0-0 when there is none).
StreamId TopId(const Stream& s) {
  StreamId top;
  s.Range({}, StreamId::Max(), true, [&](StreamId id, std::span<const std::string_view>) {
    top = id;
    return false;
  });
  return top;
}

// XSETID's rules: the last ID is at least the newest entry's, and entries_added counts at
// least the entries there are. (The max deleted ID may lie past the last ID: XSETID without
// MAXDELETEDID may lower the last ID after deletions.)
bool MetaFits(const Stream& s, StreamId last, uint64_t entries_added) {
  return last >= TopId(s) && entries_added >= s.size();
}

void EncodeGroup(const StreamGroup& g, std::string* out) {
  PutString(out, g.name);
  PutId(out, g.last_delivered);
  codec::PutVarint(out, static_cast<uint64_t>(g.entries_read + 1));
  codec::PutVarint(out, g.consumers.size());
  for (const StreamConsumer& c : g.consumers) {
    PutString(out, c.name);
    codec::PutVarint(out, static_cast<uint64_t>(c.seen_ms));
  }
  codec::PutVarint(out, g.pel.size());
  for (const StreamPending& p : g.pel) {
    PutId(out, p.id);
    size_t index = 0;
    while (index < g.consumers.size() && g.consumers[index].cid != p.consumer) ++index;
    codec::PutVarint(out, index);
    codec::PutVarint(out, static_cast<uint64_t>(p.delivery_ms));
    codec::PutVarint(out, p.delivery_count);
  }
}

bool DecodeGroup(codec::Decoder& d, Stream* s) {
  std::string_view name;
  StreamId last;
  int64_t entries_read = 0;
  uint64_t nconsumers = 0;
  if (!GetString(d, &name) || !GetId(d, &last) || !GetEntriesRead(d, &entries_read)) return false;
  StreamGroup* g = s->CreateGroup(name, last, entries_read);
  if (g == nullptr || !d.Varint(&nconsumers) || nconsumers > d.remaining()) return false;
  std::vector<uint64_t> cids;
  for (uint64_t i = 0; i < nconsumers; ++i) {
    std::string_view cname;
    int64_t seen = 0;
    bool created = false;
    if (!GetString(d, &cname) || !GetI64(d, &seen)) return false;
    cids.push_back(g->GetOrCreateConsumer(cname, seen, &created)->cid);
  }
  uint64_t npel = 0;
  if (!d.Varint(&npel) || npel > d.remaining()) return false;
  for (uint64_t i = 0; i < npel; ++i) {
    StreamPending p;
    uint64_t index = 0;
    if (!GetId(d, &p.id) || !d.Varint(&index) || index >= cids.size()) return false;
    if (!GetI64(d, &p.delivery_ms) || !d.Varint(&p.delivery_count)) return false;
    p.consumer = cids[index];
    g->SetPending(p);
  }
  return true;
}

}  // namespace

void Stream::Encode(std::string* out) const {
  codec::PutU8(out, 1);
  PutId(out, last_id_);
  codec::PutVarint(out, entries_added_);
  PutId(out, max_deleted_);
  codec::PutVarint(out, length_);
  Range({}, StreamId::Max(), false, [&](StreamId id, std::span<const std::string_view> fv) {
    PutId(out, id);
    codec::PutVarint(out, fv.size() / 2);
    for (std::string_view f : fv) PutString(out, f);
    return true;
  });
  codec::PutVarint(out, groups_.size());
  for (const StreamGroup& g : groups_) EncodeGroup(g, out);
}

ObjRef DecodeStreamObject(std::string_view bytes) {
  codec::Decoder d(bytes);
  uint8_t version = 0;
  StreamId last, max_deleted;
  uint64_t added = 0, n = 0, ngroups = 0;
  if (!d.U8(&version) || version != 1 || !GetId(d, &last) || !d.Varint(&added) ||
      !GetId(d, &max_deleted) || !d.Varint(&n)) {
    return ObjRef();
  }
  auto* s = new Stream();
  ObjRef ref(s);
  std::vector<std::string_view> fv;
  StreamId prev;  // IDs ascend from above 0-0, as XADD makes them
  for (uint64_t i = 0; i < n; ++i) {
    StreamId id;
    if (!GetId(d, &id) || id <= prev || !GetFieldValues(d, &fv)) return ObjRef();
    s->Add(id, fv);
    prev = id;
  }
  if (!MetaFits(*s, last, added)) return ObjRef();
  s->SetMeta(last, added, max_deleted);
  if (!d.Varint(&ngroups)) return ObjRef();
  for (uint64_t i = 0; i < ngroups; ++i) {
    if (!DecodeGroup(d, s)) return ObjRef();
  }
  return d.empty() ? ref : ObjRef();
}

namespace {

// The key's stream for an op that needs one; nullptr when missing or not a stream.
Entry* StreamEntry(KeyHandle& h) {
  Result<Entry*> found = FindEntryAs<Stream>(h);
  return found.ok() ? *found : nullptr;
}

bool ApplyDeliver(KeyHandle& h, Entry* e, std::string_view group, codec::Decoder& d) {
  StreamDelivery del;
  del.group = group;
  uint8_t flags = 0;
  std::vector<StreamId> ids;
  if (!GetString(d, &del.consumer) || !GetI64(d, &del.now_ms) || !d.U8(&flags)) return false;
  del.is_new = flags & 1;
  del.noack = flags & 2;
  if (del.is_new && (!GetId(d, &del.last) || !GetEntriesRead(d, &del.entries_read))) {
    return false;
  }
  if (!GetIds(d, &ids)) return false;
  del.ids = ids;
  StreamDeliver(h, e, del);
  return true;
}

bool ApplyClaim(KeyHandle& h, Entry* e, std::string_view group, codec::Decoder& d) {
  StreamClaim c;
  c.group = group;
  uint8_t has_last = 0;
  StreamId last;
  uint64_t n = 0;
  if (!GetString(d, &c.consumer) || !GetI64(d, &c.now_ms) || !d.U8(&has_last)) return false;
  if (has_last != 0 && !GetId(d, &last)) return false;
  if (has_last != 0) c.last = &last;
  if (!d.Varint(&n) || n > d.remaining()) return false;
  std::vector<StreamPending> claims(n);
  for (StreamPending& p : claims) {
    if (!GetId(d, &p.id) || !GetI64(d, &p.delivery_ms) || !d.Varint(&p.delivery_count)) {
      return false;
    }
  }
  c.claims = claims;
  StreamClaimEntries(h, e, c);
  return true;
}

bool ApplyGroupOp(KeyHandle& h, uint8_t op, codec::Decoder& d) {
  std::string_view group, consumer;
  StreamId id;
  int64_t value = 0;
  if (!GetString(d, &group)) return false;
  Entry* e = StreamEntry(h);
  if (op == 4) {  // kGroupCreate may create the stream, but not over another type
    if (!GetId(d, &id) || !GetEntriesRead(d, &value)) return false;
    if (e == nullptr && h.Find() != nullptr) return false;
    return StreamGroupCreate(h, e, group, id, value);
  }
  if (e == nullptr) return false;
  switch (op) {
    case 5:
      return StreamGroupDestroy(h, e, group);
    case 6:
      if (!GetId(d, &id) || !GetEntriesRead(d, &value)) return false;
      StreamGroupSetId(h, e, group, id, value);
      return true;
    case 7:
      return GetString(d, &consumer) && GetI64(d, &value) &&
             StreamConsumerCreate(h, e, group, consumer, value);
    case 8:
      return GetString(d, &consumer) && StreamConsumerDelete(h, e, group, consumer) >= 0;
    case 9:
      return ApplyDeliver(h, e, group, d);
    case 10: {
      std::vector<StreamId> ids;
      if (!GetIds(d, &ids)) return false;
      StreamAck(h, e, group, ids);
      return true;
    }
    case 11:
      return ApplyClaim(h, e, group, d);
    default:
      return false;
  }
}

}  // namespace

bool ApplyStreamOp(KeyHandle& h, std::string_view payload) {
  codec::Decoder d(payload);
  uint8_t op = 0;
  if (!d.U8(&op)) return false;
  if (op >= 4 && op <= 11) return ApplyGroupOp(h, op, d);
  Entry* e = StreamEntry(h);
  std::vector<StreamId> ids;
  if (op == 1) {
    StreamId id;
    std::vector<std::string_view> fv;
    if (!GetId(d, &id) || !GetFieldValues(d, &fv)) return false;
    if (e == nullptr && h.Find() != nullptr) return false;
    if (id <= (e != nullptr ? StreamOf(e)->last_id() : StreamId{})) return false;
    StreamAdd(h, e, id, fv);
    return true;
  }
  if (e == nullptr) return false;
  if (op == 2) {
    if (!GetIds(d, &ids)) return false;
    StreamDelete(h, e, ids);
    return true;
  }
  if (op == 12) {
    StreamId last, max_deleted;
    uint64_t added = 0;
    if (!GetId(d, &last) || !d.Varint(&added) || !GetId(d, &max_deleted) ||
        !MetaFits(*StreamOf(e), last, added)) {
      return false;
    }
    StreamSetId(h, e, last, added, max_deleted);
    return true;
  }
  uint64_t n = 0;
  if (op != 3 || !d.Varint(&n) || n > e->value.obj->size()) return false;
  StreamTrim(h, e, n);
  return true;
}

}  // namespace cairn::store
