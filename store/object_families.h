// store/object_families.h — the entry points each collection family gives the store's
// generic code: snapshot decoding (object.cc) and WAL replay (effects.cc).
//
// Decode*Object rebuilds a collection from the bytes its Object::Encode wrote; it returns an
// empty ObjRef when the bytes are malformed. Apply*Op replays one op the family logged with
// KeyHandle::LogObjectOp (the payload without the leading type byte) through the same
// KeyHandle operations the live command used, with logging off; it returns false when the
// payload is malformed (the caller reports corruption). Called with the key's shard locked.
#pragma once

#include <string_view>

#include "store/object.h"

namespace cairn::store {

class KeyHandle;

ObjRef DecodeListObject(std::string_view bytes);
ObjRef DecodeHashObject(std::string_view bytes);
ObjRef DecodeSetObject(std::string_view bytes);
ObjRef DecodeZSetObject(std::string_view bytes);
ObjRef DecodeStreamObject(std::string_view bytes);

[[nodiscard]] bool ApplyListOp(KeyHandle& h, std::string_view payload);
[[nodiscard]] bool ApplyHashOp(KeyHandle& h, std::string_view payload);
[[nodiscard]] bool ApplySetOp(KeyHandle& h, std::string_view payload);
[[nodiscard]] bool ApplyZSetOp(KeyHandle& h, std::string_view payload);
[[nodiscard]] bool ApplyStreamOp(KeyHandle& h, std::string_view payload);

}  // namespace cairn::store
