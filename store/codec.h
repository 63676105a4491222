// store/codec.h — the byte codec of everything the store persists: WAL payloads (the effects
// ops, each family's ops) and snapshot values (Object::Encode). Little-endian fixed widths,
// LEB128 varints and a packed pair of lengths:
//
//   lengths  := packed:u8 a_bytes b_bytes     two lengths in one byte: the high nibble is how
//               many little-endian bytes hold the first length (0-8), the low nibble the
//               second's; a zero length takes no bytes. "k(16) v(32)" costs 3 bytes.
//   varint   := LEB128, at most 10 bytes for a u64.
//
// The in-memory layout of a collection is a separate matter (store/packed_varint.h): changing
// how a type lays out its memory never changes these bytes, and the reverse.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cairn::store::codec {

// ---- encoding (append to a std::string) ----
void PutU8(std::string* out, uint8_t v);
void PutU32(std::string* out, uint32_t v);
void PutU64(std::string* out, uint64_t v);
void PutVarint(std::string* out, uint64_t v);
void PutLengths(std::string* out, uint64_t a, uint64_t b);

// ---- decoding (a cursor over bytes; every getter fails instead of overrunning) ----
class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}
  bool U8(uint8_t* v);
  bool U32(uint32_t* v);
  bool U64(uint64_t* v);
  bool Varint(uint64_t* v);
  bool Lengths(uint64_t* a, uint64_t* b);
  bool Bytes(size_t n, std::string_view* v);
  bool empty() const { return in_.empty(); }
  size_t remaining() const { return in_.size(); }

 private:
  std::string_view in_;
};

}  // namespace cairn::store::codec
