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

namespace {

void CheckKeyLen(size_t key_len) {
  if (key_len <= Entry::kMaxKeyLen) return;
  std::fprintf(stderr, "%s:%d: a key of %zu bytes exceeds the entry's limit\n", __FILE__,
               __LINE__, key_len);
  std::abort();  // the protocol's bulk limit keeps keys far below this
}

void* AllocateOrDie(size_t bytes) {
  void* raw = std::malloc(bytes);
  if (raw == nullptr) std::abort();
  return raw;
}

}  // namespace

Entry* Entry::Create(std::string_view key, Value&& value) {
  if (Embeds(key.size(), value)) return CreateEmbedded(key, value.str.view(), value.form);
  CheckKeyLen(key.size());
  void* raw = AllocateOrDie(offsetof(Entry, key_bytes) + key.size());
  DetachEmbedded(&value);
  Entry* e = new (raw) Entry{nullptr, 0, std::move(value), 0, 0, 0};
  e->key_len = static_cast<uint32_t>(key.size());
  if (!key.empty()) std::memcpy(e->key_bytes, key.data(), key.size());
  return e;
}

Entry* Entry::CreateEmbedded(std::string_view key, std::string_view bytes, StringForm form) {
  CheckKeyLen(key.size());
  size_t at = EmbeddedOffset(key.size());
  void* raw = AllocateOrDie(at + Buffer::EmbeddedBytes(bytes.size()));
  Buffer* b = Buffer::Embed(static_cast<char*>(raw) + at, at, bytes);
  Entry* e = new (raw) Entry{nullptr, 0, Value(BufRef(b), form), 0, 1, 0};
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
