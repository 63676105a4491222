// store/types/list/list_ops.cc — see list_ops.h: list changes that log themselves, and their replay.
#include "store/types/list/list_ops.h"

#include <string>
#include <vector>

#include "store/codec.h"
#include "store/object_families.h"
#include "store/typed.h"

namespace cairn::store {
namespace {

enum ListOp : uint8_t { kPush = 1, kPop, kSet, kInsert, kRem, kTrim };

ListObject* Mutable(KeyHandle& h, Entry* e) { return static_cast<ListObject*>(h.MutableObject(e)); }

void PutBytes(std::string* out, std::string_view bytes) {
  codec::PutVarint(out, bytes.size());
  out->append(bytes);
}

// Logs op with its arguments already encoded in args.
void Log(KeyHandle& h, ListOp op, std::string_view args) {
  std::string payload;
  payload.reserve(1 + args.size());
  codec::PutU8(&payload, op);
  payload.append(args);
  h.LogObjectOp(ValueType::kList, payload);
}

bool ReadBytes(codec::Decoder& d, std::string_view* out) {
  uint64_t len = 0;
  return d.Varint(&len) && d.Bytes(len, out);
}

bool ReadSide(codec::Decoder& d, ListSide* side) {
  uint8_t v = 0;
  if (!d.U8(&v) || v > 1) return false;
  *side = static_cast<ListSide>(v);
  return true;
}

}  // namespace

size_t ListPush(KeyHandle& h, Entry* e, ListSide side, std::span<const std::string_view> elems) {
  if (e == nullptr) e = h.CreateObject(ObjRef(new ListObject()));
  ListObject* list = Mutable(h, e);
  for (std::string_view elem : elems) list->Push(side, elem);
  if (h.logging()) {
    std::string args;
    codec::PutU8(&args, static_cast<uint8_t>(side));
    codec::PutVarint(&args, elems.size());
    for (std::string_view elem : elems) PutBytes(&args, elem);
    Log(h, kPush, args);
  }
  return list->size();
}

size_t ListPop(KeyHandle& h, Entry* e, ListSide side, size_t n,
               const ListObject::Visitor& visit) {
  ListObject* list = Mutable(h, e);
  if (n > list->size()) n = list->size();
  list->Pop(side, n, visit);
  if (h.logging()) {
    std::string args;
    codec::PutU8(&args, static_cast<uint8_t>(side));
    codec::PutVarint(&args, n);
    Log(h, kPop, args);
  }
  h.DeleteIfEmpty(e);
  return n;
}

void ListSet(KeyHandle& h, Entry* e, size_t index, std::string_view elem) {
  Mutable(h, e)->Set(index, elem);
  if (!h.logging()) return;
  std::string args;
  codec::PutVarint(&args, index);
  PutBytes(&args, elem);
  Log(h, kSet, args);
}

void ListInsert(KeyHandle& h, Entry* e, size_t index, std::string_view elem) {
  Mutable(h, e)->Insert(index, elem);
  if (!h.logging()) return;
  std::string args;
  codec::PutVarint(&args, index);
  PutBytes(&args, elem);
  Log(h, kInsert, args);
}

size_t ListRemove(KeyHandle& h, Entry* e, std::string_view elem, size_t limit, bool from_tail) {
  auto* list = static_cast<ListObject*>(h.MutableObjectQuietly(e));
  size_t removed = list->Remove(ListNeedle(elem), limit, from_tail);
  if (removed == 0) return 0;
  h.MarkChanged();
  if (h.logging()) {
    std::string args;
    codec::PutU8(&args, from_tail ? 1 : 0);
    codec::PutVarint(&args, limit);
    PutBytes(&args, elem);
    Log(h, kRem, args);
  }
  h.DeleteIfEmpty(e);
  return removed;
}

void ListTrim(KeyHandle& h, Entry* e, size_t head, size_t tail) {
  if (head == 0 && tail == 0) {
    h.MarkChanged();  // as in Redis, LTRIM counts as a change even when it keeps every element
    return;
  }
  Mutable(h, e)->Trim(head, tail);
  if (h.logging()) {
    std::string args;
    codec::PutVarint(&args, head);
    codec::PutVarint(&args, tail);
    Log(h, kTrim, args);
  }
  h.DeleteIfEmpty(e);
}

namespace {

// Replays one op on a live list (every op but push needs one).
bool ApplyToList(KeyHandle& h, Entry* e, uint8_t op, codec::Decoder& d) {
  size_t length = ListOf(e)->size();
  uint64_t a = 0, b = 0;
  uint8_t flag = 0;
  ListSide side = ListSide::kHead;
  std::string_view elem;
  switch (op) {
    case kPop:
      if (!ReadSide(d, &side) || !d.Varint(&a) || a > length) return false;
      ListPop(h, e, side, a, [](const ListElem&) {});
      return true;
    case kSet:
      if (!d.Varint(&a) || !ReadBytes(d, &elem) || a >= length) return false;
      ListSet(h, e, a, elem);
      return true;
    case kInsert:
      if (!d.Varint(&a) || !ReadBytes(d, &elem) || a > length) return false;
      ListInsert(h, e, a, elem);
      return true;
    case kRem:
      if (!d.U8(&flag) || !d.Varint(&a) || !ReadBytes(d, &elem)) return false;
      ListRemove(h, e, elem, a, flag != 0);
      return true;
    case kTrim:
      if (!d.Varint(&a) || !d.Varint(&b) || a + b > length) return false;
      ListTrim(h, e, a, b);
      return true;
    default:
      return false;
  }
}

}  // namespace

bool ApplyListOp(KeyHandle& h, std::string_view payload) {
  codec::Decoder d(payload);
  uint8_t op = 0;
  if (!d.U8(&op)) return false;
  Result<Entry*> found = FindEntryAs<ListObject>(h);
  if (!found.ok()) return false;
  Entry* e = *found;
  if (op == kPush) {
    ListSide side = ListSide::kHead;
    uint64_t n = 0;
    // Each element takes at least its length byte: a larger count is damage, not a reserve.
    if (!ReadSide(d, &side) || !d.Varint(&n) || n == 0 || n > d.remaining()) return false;
    std::vector<std::string_view> elems(n);
    for (auto& elem : elems) {
      if (!ReadBytes(d, &elem)) return false;
    }
    ListPush(h, e, side, elems);
    return d.empty();
  }
  if (e == nullptr || !ApplyToList(h, e, op, d)) return false;
  return d.empty();
}

}  // namespace cairn::store
