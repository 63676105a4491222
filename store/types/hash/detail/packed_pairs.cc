// store/types/hash/detail/packed_pairs.cc — the packed small-hash buffer: walk, find, append, splice.
#include "store/types/hash/detail/packed_pairs.h"

#include <string>

#include "store/codec.h"
#include "store/packed_varint.h"

namespace cairn::store::detail {
namespace {

// The buffer is only ever written by this file, so a varint cannot run past its end.
uint64_t ReadVarint(std::string_view in, size_t* pos) {
  uint64_t v = 0;
  const char* start = in.data() + *pos;
  *pos += static_cast<size_t>(GetVarint(start, &v) - start);
  return v;
}

void AppendPair(std::string* out, std::string_view field, std::string_view value) {
  codec::PutVarint(out, field.size());
  out->append(field);
  codec::PutVarint(out, value.size());
  out->append(value);
}

}  // namespace

bool PackedPairs::Next(size_t* pos, std::string_view* field, std::string_view* value) const {
  std::string_view buf = buf_.view();
  if (*pos >= buf.size()) return false;
  size_t flen = ReadVarint(buf, pos);
  *field = buf.substr(*pos, flen);
  *pos += flen;
  size_t vlen = ReadVarint(buf, pos);
  *value = buf.substr(*pos, vlen);
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
  bool found = Find(field, &begin, &end, &old);
  if (found && old == value) return false;
  if (!found) begin = end = buf_.size();
  std::string pair;
  AppendPair(&pair, field, value);
  buf_.Splice(begin, end, pair);
  if (!found) buf_.set_count(buf_.count() + 1);
  return !found;
}

bool PackedPairs::Delete(std::string_view field) {
  size_t begin = 0, end = 0;
  std::string_view value;
  if (!Find(field, &begin, &end, &value)) return false;
  buf_.set_count(buf_.count() - 1);
  buf_.Splice(begin, end, {});
  return true;
}

void PackedPairs::At(size_t i, std::string_view* field, std::string_view* value) const {
  size_t pos = 0;
  for (size_t n = 0; n <= i; ++n) Next(&pos, field, value);
}

}  // namespace cairn::store::detail
