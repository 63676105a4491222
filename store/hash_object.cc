// store/hash_object.cc — the hash family's store side (not implemented yet: the stubs keep the
// generic code linking until the family lands).
#include "store/object_families.h"

namespace cairn::store {

ObjRef DecodeHashObject(std::string_view) { return ObjRef(); }
bool ApplyHashOp(KeyHandle&, std::string_view) { return false; }

}  // namespace cairn::store
