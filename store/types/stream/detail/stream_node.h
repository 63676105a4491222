// store/types/stream/detail/stream_node.h — reading and writing the packed entries of one stream node
// (the node grammar is at the top of store/types/stream/stream.h). Internal to the stream family.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/codec.h"
#include "store/types/stream/stream.h"

namespace cairn::store::detail {

inline constexpr uint8_t kEntryDeleted = 1;
inline constexpr uint8_t kEntrySameFields = 2;

// string := len:varint bytes; id := ms:varint seq:varint (nodes, snapshot and ops alike).
inline void PutString(std::string* out, std::string_view s) {
  codec::PutVarint(out, s.size());
  out->append(s);
}
inline void PutId(std::string* out, StreamId id) {
  codec::PutVarint(out, id.ms);
  codec::PutVarint(out, id.seq);
}

// Reads a varint the node writer wrote (trusted bytes).
inline uint64_t ReadNodeVarint(std::string_view s, size_t* pos) {
  uint64_t v = 0;
  for (int shift = 0; *pos < s.size(); shift += 7) {
    auto b = static_cast<uint8_t>(s[(*pos)++]);
    v |= uint64_t{b & 0x7fu} << shift;
    if ((b & 0x80u) == 0) break;
  }
  return v;
}

inline std::string_view ReadNodeString(std::string_view s, size_t* pos) {
  uint64_t n = ReadNodeVarint(s, pos);
  std::string_view out = s.substr(*pos, n);
  *pos += n;
  return out;
}

// Walks the entries of one node, in order.
class NodeReader {
 public:
  NodeReader(std::string_view data, StreamId base) : data_(data), base_(base) {
    uint64_t n = ReadNodeVarint(data_, &pos_);
    for (uint64_t i = 0; i < n; ++i) master_.push_back(ReadNodeString(data_, &pos_));
  }
  bool Done() const { return pos_ >= data_.size(); }
  // Decodes the next entry: its id, flags, the offset of its flags byte, and (when fv is not
  // null) its fields and values.
  void Next(StreamId* id, uint8_t* flags, size_t* flag_pos, std::vector<std::string_view>* fv) {
    *flag_pos = pos_;
    *flags = static_cast<uint8_t>(data_[pos_++]);
    uint64_t ms_delta = ReadNodeVarint(data_, &pos_);
    uint64_t seq = ReadNodeVarint(data_, &pos_);
    id->ms = base_.ms + ms_delta;
    id->seq = ms_delta == 0 ? base_.seq + seq : seq;
    if (fv != nullptr) fv->clear();
    if (*flags & kEntrySameFields) {
      for (std::string_view f : master_) {
        std::string_view v = ReadNodeString(data_, &pos_);
        if (fv != nullptr) fv->insert(fv->end(), {f, v});
      }
      return;
    }
    uint64_t n = ReadNodeVarint(data_, &pos_);
    for (uint64_t i = 0; i < 2 * n; ++i) {
      std::string_view s = ReadNodeString(data_, &pos_);
      if (fv != nullptr) fv->push_back(s);
    }
  }
  // Where the next entry starts; Seek returns to such a position.
  size_t pos() const { return pos_; }
  void Seek(size_t pos) { pos_ = pos; }

 private:
  std::string_view data_;
  StreamId base_;
  size_t pos_ = 0;
  std::vector<std::string_view> master_;
};

}  // namespace cairn::store::detail
