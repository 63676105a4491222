// store/typed.h — the one typed lookup every family uses: find a key's value as the type a
// command expects, or learn that the key is missing or holds another type (WRONGTYPE).
//
// T is the C++ type a value is held as: BufRef for strings (Value::str), and for collections
// the family's Object subclass (ListObject, HashObject, SetObject, ZSet, Stream), which
// declares `static constexpr ValueType kType`. For every T the answer is the same three-way
// result: a value, nullptr for a missing key, or Code::kWrongType.
//
//   FindAs<T>(h)       the value for reading (const T*); the caller reads it under the lock
//                      and copies what it keeps.
//   PeekAs<T>(h)       the same without counting as an access (XINFO, OBJECT...).
//   FindEntryAs<T>(h)  the live entry holding a T, for the ops that change it (they take the
//                      Entry*: MutableObject for collections, a new BufRef or an in-place
//                      change for strings).
//   FindEachAs<T>      FindAs over the keys of a multi-key command (SINTER, ZUNION...).
//   ValueAs<T>(e)      the value of an entry already known to hold a T.
//
// Both lookups go through KeyHandle::Find (lazy expiry, counts as an access) and cost what
// Find costs: the result is a pointer and a code, with nothing allocated.
//
// Threading: inside Store::Access/AccessMany, as every KeyHandle call; pointers are valid
// until the callback returns or the key is changed.
#pragma once

#include <span>
#include <type_traits>
#include <vector>

#include "store/base/status.h"
#include "store/buffer.h"
#include "store/entry.h"
#include "store/store.h"

namespace cairn::store {

// The ValueType a T is held as.
template <class T>
inline constexpr ValueType kTypeOf = T::kType;
template <>
inline constexpr ValueType kTypeOf<BufRef> = ValueType::kString;

// The value of e, which must hold a T.
template <class T>
const T* ValueAs(const Entry* e) {
  if constexpr (std::is_same_v<T, BufRef>) {
    return &e->value.str;
  } else {
    return static_cast<const T*>(e->value.obj.get());
  }
}

// The key's live entry when it holds a T; nullptr when the key is missing; kWrongType when it
// holds another type.
template <class T>
Result<Entry*> FindEntryAs(KeyHandle& h) {
  Entry* e = h.Find();
  if (e != nullptr && e->value.type != kTypeOf<T>) return Code::kWrongType;
  return e;
}

// e's value as a T: nullptr when e is; kWrongType when e holds another type.
template <class T>
Result<const T*> ValueIfType(const Entry* e) {
  if (e == nullptr) return static_cast<const T*>(nullptr);
  if (e->value.type != kTypeOf<T>) return Code::kWrongType;
  return ValueAs<T>(e);
}

// The key's value as a T for reading; nullptr when the key is missing; kWrongType when it
// holds another type. FindAs counts as an access (KeyHandle::Find), PeekAs does not (Peek).
template <class T>
Result<const T*> FindAs(KeyHandle& h) {
  return ValueIfType<T>(h.Find());
}
template <class T>
Result<const T*> PeekAs(KeyHandle& h) {
  return ValueIfType<T>(h.Peek());
}

// FindAs for each handle in order, into (*values)[i] (nullptr for a missing key); kWrongType,
// stopping there, at the first key that holds another type.
template <class T>
Status FindEachAs(std::span<KeyHandle> handles, std::vector<const T*>* values) {
  values->resize(handles.size());
  for (size_t i = 0; i < handles.size(); ++i) {
    Result<const T*> found = FindAs<T>(handles[i]);
    if (!found.ok()) return found.TakeStatus();
    (*values)[i] = *found;
  }
  return Status::Ok();
}

}  // namespace cairn::store
