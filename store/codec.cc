// store/codec.cc — see codec.h.
#include "store/codec.h"

namespace cairn::store::codec {
namespace {

int BytesFor(uint64_t v) {
  int n = 0;
  while (v != 0) ++n, v >>= 8;
  return n;
}

}  // namespace

void PutU8(std::string* out, uint8_t v) { out->push_back(static_cast<char>(v)); }

void PutU32(std::string* out, uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out->append(b, 4);
}

void PutU64(std::string* out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out->append(b, 8);
}

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutLengths(std::string* out, uint64_t a, uint64_t b) {
  int na = BytesFor(a), nb = BytesFor(b);
  out->push_back(static_cast<char>((na << 4) | nb));
  for (int i = 0; i < na; ++i) out->push_back(static_cast<char>(a >> (8 * i)));
  for (int i = 0; i < nb; ++i) out->push_back(static_cast<char>(b >> (8 * i)));
}

bool Decoder::U8(uint8_t* v) {
  if (in_.empty()) return false;
  *v = static_cast<uint8_t>(in_[0]);
  in_.remove_prefix(1);
  return true;
}

bool Decoder::U32(uint32_t* v) {
  if (in_.size() < 4) return false;
  uint32_t r = 0;
  for (int i = 0; i < 4; ++i) r |= static_cast<uint32_t>(static_cast<uint8_t>(in_[i])) << (8 * i);
  *v = r;
  in_.remove_prefix(4);
  return true;
}

bool Decoder::U64(uint64_t* v) {
  if (in_.size() < 8) return false;
  uint64_t r = 0;
  for (int i = 0; i < 8; ++i) r |= static_cast<uint64_t>(static_cast<uint8_t>(in_[i])) << (8 * i);
  *v = r;
  in_.remove_prefix(8);
  return true;
}

bool Decoder::Varint(uint64_t* v) {
  uint64_t r = 0;
  for (int shift = 0; shift < 70 && !in_.empty(); shift += 7) {
    auto byte = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    if (shift == 63 && byte > 1) return false;
    r |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *v = r;
      return true;
    }
  }
  return false;
}

bool Decoder::Lengths(uint64_t* a, uint64_t* b) {
  uint8_t packed = 0;
  if (!U8(&packed)) return false;
  int na = packed >> 4, nb = packed & 0x0f;
  if (na > 8 || nb > 8 || in_.size() < static_cast<size_t>(na + nb)) return false;
  uint64_t x = 0, y = 0;
  for (int i = 0; i < na; ++i) x |= static_cast<uint64_t>(static_cast<uint8_t>(in_[i])) << (8 * i);
  for (int i = 0; i < nb; ++i) {
    y |= static_cast<uint64_t>(static_cast<uint8_t>(in_[na + i])) << (8 * i);
  }
  in_.remove_prefix(static_cast<size_t>(na + nb));
  *a = x;
  *b = y;
  return true;
}

bool Decoder::Bytes(size_t n, std::string_view* v) {
  if (in_.size() < n) return false;
  *v = in_.substr(0, n);
  in_.remove_prefix(n);
  return true;
}

}  // namespace cairn::store::codec
