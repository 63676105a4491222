// store/object.cc — see object.h.
#include "store/object.h"

#include "store/object_families.h"

namespace cairn::store {

ObjRef DecodeObject(ValueType type, std::string_view bytes) {
  switch (type) {
    case ValueType::kList: return DecodeListObject(bytes);
    case ValueType::kHash: return DecodeHashObject(bytes);
    case ValueType::kSet: return DecodeSetObject(bytes);
    case ValueType::kZSet: return DecodeZSetObject(bytes);
    case ValueType::kStream: return DecodeStreamObject(bytes);
    case ValueType::kString: break;
  }
  return ObjRef();
}

}  // namespace cairn::store
