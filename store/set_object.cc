// store/set_object.cc — the set family's store side (not implemented yet: the stubs keep the
// generic code linking until the family lands).
#include "store/object_families.h"

namespace cairn::store {

ObjRef DecodeSetObject(std::string_view) { return ObjRef(); }
bool ApplySetOp(KeyHandle&, std::string_view) { return false; }

}  // namespace cairn::store
