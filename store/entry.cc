// store/entry.cc — see entry.h.
#include "store/entry.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "store/memory.h"

namespace cairn::store {

std::string_view TypeName(ValueType type) {
  switch (type) {
    case ValueType::kString: return "string";
    case ValueType::kList: return "list";
    case ValueType::kSet: return "set";
    case ValueType::kZSet: return "zset";
    case ValueType::kHash: return "hash";
    case ValueType::kStream: return "stream";
  }
  return "none";
}

Entry* Entry::Create(std::string_view key, Value value) {
  void* raw = std::malloc(sizeof(Entry) + key.size());
  if (raw == nullptr) std::abort();
  Entry* e = new (raw) Entry{nullptr, 0, std::move(value),
                             static_cast<uint32_t>(key.size()), 0};
  if (!key.empty()) std::memcpy(e->key_bytes, key.data(), key.size());
  return e;
}

void Entry::Destroy(Entry* e) {
  e->~Entry();
  std::free(e);
}

size_t EntryMemoryBytes(const Entry& e, size_t samples) {
  // One bucket pointer per key: the table keeps its load factor near 1.
  size_t bytes = AllocationSize(sizeof(Entry) + e.key_len) + sizeof(Entry*);
  if (e.value.type != ValueType::kString) return bytes + e.value.obj->sampled_memory_bytes(samples);
  return e.value.str ? bytes + e.value.str.get()->allocation_bytes() : bytes;
}

}  // namespace cairn::store
