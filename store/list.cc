// store/list.cc — the list family's store side (not implemented yet: the stubs keep the
// generic code linking until the family lands).
#include "store/object_families.h"

namespace cairn::store {

ObjRef DecodeListObject(std::string_view) { return ObjRef(); }
bool ApplyListOp(KeyHandle&, std::string_view) { return false; }

}  // namespace cairn::store
