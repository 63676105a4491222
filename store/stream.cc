// store/stream.cc — the stream family's store side (not implemented yet: the stubs keep the
// generic code linking until the family lands).
#include "store/object_families.h"

namespace cairn::store {

ObjRef DecodeStreamObject(std::string_view) { return ObjRef(); }
bool ApplyStreamOp(KeyHandle&, std::string_view) { return false; }

}  // namespace cairn::store
