// store/entry.cc — see entry.h.
#include "store/entry.h"

#include <cstddef>
#include <cstdio>
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

size_t Entry::EmbeddedOffset(size_t key_len) {
  size_t at = offsetof(Entry, key_bytes) + key_len;
  return (at + alignof(Buffer) - 1) / alignof(Buffer) * alignof(Buffer);
}

Buffer* Entry::embedded_buffer() const {
  return reinterpret_cast<Buffer*>(const_cast<char*>(reinterpret_cast<const char*>(this)) +
                                   EmbeddedOffset(key_len));
}

Entry* Entry::Create(std::string_view key, Value&& value) {
  if (key.size() > kMaxKeyLen) {
    std::fprintf(stderr, "%s:%d: a key of %zu bytes exceeds the entry's limit\n", __FILE__,
                 __LINE__, key.size());
    std::abort();  // the protocol's bulk limit keeps keys far below this
  }
  bool embed = Embeds(key.size(), value);
  size_t bytes = embed ? EmbeddedOffset(key.size()) + Buffer::EmbeddedBytes(value.str.size())
                       : offsetof(Entry, key_bytes) + key.size();
  void* raw = std::malloc(bytes);
  if (raw == nullptr) std::abort();
  Entry* e;
  if (embed) {
    size_t at = EmbeddedOffset(key.size());
    Buffer* b = Buffer::Embed(static_cast<char*>(raw) + at, at, value.str.view());
    e = new (raw) Entry{nullptr, 0, Value(BufRef(b), value.grown), 0, 1, 0};
  } else {
    DetachEmbedded(&value);
    e = new (raw) Entry{nullptr, 0, std::move(value), 0, 0, 0};
  }
  e->key_len = static_cast<uint32_t>(key.size());
  if (!key.empty()) std::memcpy(e->key_bytes, key.data(), key.size());
  return e;
}

void Entry::DetachEmbedded(Value* value) {
  if (value->is_string() && value->str && value->str.get()->embedded()) {
    value->str = BufRef::Copy(value->str.view());
  }
}

void Entry::Destroy(Entry* e) {
  Buffer* own = e->embeds ? e->embedded_buffer() : nullptr;
  e->~Entry();
  // The embedded buffer's own reference: the allocation goes with the last one, which may
  // be a reader's.
  if (own != nullptr) {
    own->Unref();
  } else {
    std::free(e);
  }
}

size_t Entry::allocation_bytes() const {
  size_t bytes = embeds ? EmbeddedOffset(key_len) + Buffer::EmbeddedBytes(embedded_buffer()->size())
                        : offsetof(Entry, key_bytes) + key_len;
  return AllocationSize(bytes);
}

size_t EntryMemoryBytes(const Entry& e, size_t samples) {
  // One bucket pointer per key: the table keeps its load factor near 1.
  size_t bytes = e.allocation_bytes() + sizeof(Entry*);
  if (!e.value.is_string()) return bytes + e.value.obj->sampled_memory_bytes(samples);
  return e.value.str ? bytes + e.value.str.get()->allocation_bytes() : bytes;
}

}  // namespace cairn::store
