// store/rdb/rdb_string.cc — see rdb_string.h.
#include "store/rdb/rdb_string.h"

#include <atomic>
#include <charconv>
#include <cstring>
#include <memory>

#include "store/lzf.h"

namespace cairn::rdb {
namespace {

bool ReadByte(std::string_view* in, uint8_t* b) {
  if (in->empty()) return false;
  *b = static_cast<uint8_t>((*in)[0]);
  in->remove_prefix(1);
  return true;
}

bool ReadBigEndian(std::string_view* in, int bytes, uint64_t* out) {
  if (in->size() < static_cast<size_t>(bytes)) return false;
  *out = 0;
  for (int i = 0; i < bytes; ++i) *out = (*out << 8) | static_cast<uint8_t>((*in)[i]);
  in->remove_prefix(static_cast<size_t>(bytes));
  return true;
}

// A length, or (encoded = true) the special-encoding code of the low six bits.
bool ReadLength(std::string_view* in, uint64_t* len, bool* encoded) {
  uint8_t first = 0;
  if (!ReadByte(in, &first)) return false;
  *encoded = false;
  switch (first >> 6) {
    case 0:
      *len = first & 0x3F;
      return true;
    case 1: {
      uint8_t second = 0;
      if (!ReadByte(in, &second)) return false;
      *len = (uint64_t{first & 0x3Fu} << 8) | second;
      return true;
    }
    case 2:
      if (first == 0x80) return ReadBigEndian(in, 4, len);
      if (first == 0x81) return ReadBigEndian(in, 8, len);
      return false;
    default:
      *encoded = true;
      *len = first & 0x3F;
      return true;
  }
}

// As Redis: strings longer than 20 bytes are compressed when that saves at least 4 bytes.
constexpr size_t kCompressAbove = 20;
constexpr size_t kMinSaving = 4;

std::atomic<bool> compression{true};  // rdbcompression

// Appends bytes LZF-compressed (11000011 clen len data), or returns false and appends nothing
// when compressing would not save kMinSaving bytes.
bool PutCompressed(std::string* out, std::string_view bytes) {
  // Most strings are short: their output goes on the stack, not in an allocation.
  char small[1024];
  std::unique_ptr<char[]> large;  // not zeroed: the compressor writes what is read back
  size_t room = bytes.size() - kMinSaving;
  char* data = small;
  if (room > sizeof(small)) {
    large.reset(new char[room]);
    data = large.get();
  }
  size_t clen = store::LzfCompress(bytes, data, room);
  if (clen == 0) return false;
  out->push_back(static_cast<char>(0xC3));
  PutRdbLength(out, clen);
  PutRdbLength(out, bytes.size());
  out->append(data, clen);
  return true;
}

bool ReadInteger(std::string_view* in, uint64_t code, std::string* out) {
  int bytes = code == 0 ? 1 : code == 1 ? 2 : 4;
  if (in->size() < static_cast<size_t>(bytes)) return false;
  uint32_t raw = 0;
  for (int i = bytes - 1; i >= 0; --i) raw = (raw << 8) | static_cast<uint8_t>((*in)[i]);
  in->remove_prefix(static_cast<size_t>(bytes));
  int64_t v = bytes == 1   ? static_cast<int8_t>(raw)
              : bytes == 2 ? static_cast<int16_t>(raw)
                           : static_cast<int32_t>(raw);
  *out = std::to_string(v);
  return true;
}

}  // namespace

void PutRdbLength(std::string* out, uint64_t len) {
  if (len < (1u << 6)) {
    out->push_back(static_cast<char>(len));
  } else if (len < (1u << 14)) {
    out->push_back(static_cast<char>(0x40 | (len >> 8)));
    out->push_back(static_cast<char>(len & 0xFF));
  } else {
    bool wide = len > UINT32_MAX;
    out->push_back(static_cast<char>(wide ? 0x81 : 0x80));
    for (int i = wide ? 7 : 3; i >= 0; --i) out->push_back(static_cast<char>(len >> (8 * i)));
  }
}

bool ParseCanonicalInt(std::string_view bytes, int64_t* v) {
  if (bytes.empty() || bytes.size() > 20) return false;
  const char* end = bytes.data() + bytes.size();
  auto [ptr, ec] = std::from_chars(bytes.data(), end, *v);
  if (ec != std::errc() || ptr != end) return false;
  // from_chars accepts leading zeros and "-0"; the canonical form has neither.
  size_t digits = bytes[0] == '-' ? 1 : 0;
  if (bytes.size() == digits) return false;
  if (bytes[digits] == '0') return bytes.size() == 1;
  return true;
}

void SetRdbCompression(bool on) { compression.store(on, std::memory_order_relaxed); }

void PutRdbString(std::string* out, std::string_view bytes) {
  int64_t v = 0;
  if (bytes.size() <= 11 && ParseCanonicalInt(bytes, &v) && v >= INT32_MIN && v <= INT32_MAX) {
    int width = v >= INT8_MIN && v <= INT8_MAX ? 1 : v >= INT16_MIN && v <= INT16_MAX ? 2 : 4;
    out->push_back(static_cast<char>(0xC0 | (width == 1 ? 0 : width == 2 ? 1 : 2)));
    uint32_t raw = static_cast<uint32_t>(static_cast<int32_t>(v));
    for (int i = 0; i < width; ++i) out->push_back(static_cast<char>(raw >> (8 * i)));
    return;
  }
  if (bytes.size() > kCompressAbove && compression.load(std::memory_order_relaxed) &&
      PutCompressed(out, bytes)) {
    return;
  }
  PutRdbLength(out, bytes.size());
  out->append(bytes);
}

bool ReadRdbLength(std::string_view* in, uint64_t* len) {
  bool encoded = false;
  return ReadLength(in, len, &encoded) && !encoded;
}

bool ReadRdbString(std::string_view* in, std::string* out, size_t max_bytes) {
  uint64_t len = 0;
  bool encoded = false;
  if (!ReadLength(in, &len, &encoded)) return false;
  if (!encoded) {
    if (len > in->size()) return false;
    out->assign(in->substr(0, len));
    in->remove_prefix(len);
    return true;
  }
  if (len <= 2) return ReadInteger(in, len, out);
  if (len != 3) return false;
  uint64_t clen = 0, ulen = 0;
  bool e1 = false, e2 = false;
  if (!ReadLength(in, &clen, &e1) || !ReadLength(in, &ulen, &e2) || e1 || e2 || clen > in->size() ||
      ulen > max_bytes) {
    return false;
  }
  bool ok = store::LzfDecompress(in->substr(0, clen), ulen, out);
  in->remove_prefix(clen);
  return ok;
}

}  // namespace cairn::rdb
