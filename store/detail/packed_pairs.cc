// store/detail/packed_pairs.cc — the packed small-hash buffer: walk, find, append, splice.
#include "store/detail/packed_pairs.h"

namespace cairn::store::detail {
namespace {

void AppendVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// The buffer is only ever written by this file, so a varint cannot run past its end.
uint64_t ReadVarint(const std::string& in, size_t* pos) {
  uint64_t v = 0;
  for (int shift = 0;; shift += 7) {
    auto byte = static_cast<uint8_t>(in[(*pos)++]);
    v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return v;
  }
}

void AppendPair(std::string* out, std::string_view field, std::string_view value) {
  AppendVarint(out, field.size());
  out->append(field);
  AppendVarint(out, value.size());
  out->append(value);
}

}  // namespace

bool PackedPairs::Next(size_t* pos, std::string_view* field, std::string_view* value) const {
  if (*pos >= buf_.size()) return false;
  size_t flen = ReadVarint(buf_, pos);
  *field = std::string_view(buf_).substr(*pos, flen);
  *pos += flen;
  size_t vlen = ReadVarint(buf_, pos);
  *value = std::string_view(buf_).substr(*pos, vlen);
  *pos += vlen;
  return true;
}

bool PackedPairs::Find(std::string_view field, size_t* begin, size_t* end,
                       std::string_view* value) const {
  size_t pos = 0;
  std::string_view f;
  while (pos < buf_.size()) {
    *begin = pos;
    Next(&pos, &f, value);
    if (f == field) {
      *end = pos;
      return true;
    }
  }
  return false;
}

bool PackedPairs::Get(std::string_view field, std::string_view* value) const {
  size_t begin = 0, end = 0;
  return Find(field, &begin, &end, value);
}

bool PackedPairs::Set(std::string_view field, std::string_view value) {
  size_t begin = 0, end = 0;
  std::string_view old;
  if (!Find(field, &begin, &end, &old)) {
    AppendPair(&buf_, field, value);
    ++count_;
    return true;
  }
  if (old == value) return false;
  std::string pair;
  AppendPair(&pair, field, value);
  buf_.replace(begin, end - begin, pair);
  return false;
}

bool PackedPairs::Delete(std::string_view field) {
  size_t begin = 0, end = 0;
  std::string_view value;
  if (!Find(field, &begin, &end, &value)) return false;
  buf_.erase(begin, end - begin);
  --count_;
  if (count_ == 0) std::string().swap(buf_);
  return true;
}

void PackedPairs::At(size_t i, std::string_view* field, std::string_view* value) const {
  size_t pos = 0;
  for (size_t n = 0; n <= i; ++n) Next(&pos, field, value);
}

}  // namespace cairn::store::detail
