// store/zset.cc — the zset family's store side (not implemented yet: the stubs keep the
// generic code linking until the family lands).
#include "store/object_families.h"

namespace cairn::store {

ObjRef DecodeZSetObject(std::string_view) { return ObjRef(); }
bool ApplyZSetOp(KeyHandle&, std::string_view) { return false; }

}  // namespace cairn::store
