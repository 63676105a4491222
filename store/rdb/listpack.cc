// store/rdb/listpack.cc — the listpack writer and reader (packed.h, rdb_format.h).
#include <cstring>

#include "store/rdb/detail/little_endian.h"
#include "store/rdb/packed.h"
#include "store/rdb/rdb_string.h"

namespace cairn::rdb {
namespace {

using detail::GetLe;
using detail::PutLe;
using detail::SignExtend;

constexpr size_t kHeaderBytes = 6;  // total:u32 count:u16
constexpr uint8_t kEnd = 0xFF;
constexpr size_t kUnknownCount = 65535;

size_t BacklenBytes(uint64_t len) {
  return len <= 127 ? 1 : len < 16383 ? 2 : len < 2097151 ? 3 : len < 268435455 ? 4 : 5;
}

// The backlen field for an entry of len bytes: 7 bits per byte, the low bits last, every byte
// but the first flagged with 0x80, so a reader walking backwards knows where it stops.
void PutBacklen(std::string* out, uint64_t len) {
  int bytes = static_cast<int>(BacklenBytes(len));
  for (int i = bytes - 1; i >= 0; --i) {
    uint8_t b = static_cast<uint8_t>((len >> (7 * i)) & 127);
    if (i != bytes - 1) b |= 128;
    out->push_back(static_cast<char>(b));
  }
}

// Parses the entry at p (avail bytes up to the terminator): its value and the size of its
// encoding plus data. False when it does not fit or has no valid encoding.
bool ParseEntry(const unsigned char* p, size_t avail, PackedEntry* e, size_t* len) {
  uint8_t b = p[0];
  auto integer = [&](size_t width) {
    if (avail < 1 + width) return false;
    e->is_int = true;
    e->num = SignExtend(GetLe(p + 1, static_cast<int>(width)), static_cast<int>(width * 8));
    *len = 1 + width;
    return true;
  };
  auto text = [&](size_t header, uint64_t n) {
    if (avail < header || avail - header < n) return false;
    e->is_int = false;
    e->str = std::string_view(reinterpret_cast<const char*>(p + header), n);
    *len = header + n;
    return true;
  };
  if ((b & 0x80) == 0) {
    e->is_int = true, e->num = b, *len = 1;
    return true;
  }
  if ((b & 0xC0) == 0x80) return text(1, b & 0x3F);
  if ((b & 0xE0) == 0xC0) {
    if (avail < 2) return false;
    e->is_int = true, e->num = SignExtend((uint64_t{b & 0x1Fu} << 8) | p[1], 13), *len = 2;
    return true;
  }
  if ((b & 0xF0) == 0xE0) return avail >= 2 && text(2, (uint64_t{b & 0x0Fu} << 8) | p[1]);
  switch (b) {
    case 0xF0:
      return avail >= 5 && text(5, GetLe(p + 1, 4));
    case 0xF1:
      return integer(2);
    case 0xF2:
      return integer(3);
    case 0xF3:
      return integer(4);
    case 0xF4:
      return integer(8);
    default:
      return false;
  }
}

}  // namespace

ListpackWriter::ListpackWriter() { body_.assign(kHeaderBytes, '\0'); }

void ListpackWriter::AppendEntry(std::string_view encoded) {
  body_.append(encoded);
  PutBacklen(&body_, encoded.size());
  ++count_;
}

void ListpackWriter::AppendInt(int64_t v) {
  std::string enc;
  if (v >= 0 && v <= 127) {
    enc.push_back(static_cast<char>(v));
  } else if (v >= -4096 && v <= 4095) {
    uint64_t u = static_cast<uint64_t>(v) & 0x1FFF;
    enc.push_back(static_cast<char>(0xC0 | (u >> 8)));
    enc.push_back(static_cast<char>(u & 0xFF));
  } else {
    int width = v >= -32768 && v <= 32767          ? 2
                : v >= -8388608 && v <= 8388607    ? 3
                : v >= INT32_MIN && v <= INT32_MAX ? 4
                                                   : 8;
    enc.push_back(static_cast<char>(width == 2   ? 0xF1
                                    : width == 3 ? 0xF2
                                    : width == 4 ? 0xF3
                                                 : 0xF4));
    PutLe(&enc, static_cast<uint64_t>(v), width);
  }
  AppendEntry(enc);
}

void ListpackWriter::Append(std::string_view element) {
  int64_t v = 0;
  if (ParseCanonicalInt(element, &v)) return AppendInt(v);
  std::string enc;
  if (element.size() < 64) {
    enc.push_back(static_cast<char>(0x80 | element.size()));
  } else if (element.size() < 4096) {
    enc.push_back(static_cast<char>(0xE0 | (element.size() >> 8)));
    enc.push_back(static_cast<char>(element.size() & 0xFF));
  } else {
    enc.push_back(static_cast<char>(0xF0));
    PutLe(&enc, element.size(), 4);
  }
  enc.append(element);
  AppendEntry(enc);
}

std::string ListpackWriter::Finish() {
  body_.push_back(static_cast<char>(kEnd));
  std::string header;
  PutLe(&header, body_.size(), 4);
  PutLe(&header, count_ < kUnknownCount ? count_ : kUnknownCount, 2);
  std::memcpy(body_.data(), header.data(), kHeaderBytes);
  std::string out = std::move(body_);
  body_.assign(kHeaderBytes, '\0');
  count_ = 0;
  return out;
}

bool ReadListpack(std::string_view lp, std::vector<PackedEntry>* out) {
  const auto* p = reinterpret_cast<const unsigned char*>(lp.data());
  if (lp.size() < kHeaderBytes + 1 || GetLe(p, 4) != lp.size() || p[lp.size() - 1] != kEnd) {
    return false;
  }
  size_t declared = GetLe(p + 4, 2);
  size_t end = lp.size() - 1, pos = kHeaderBytes, first = out->size();
  while (pos < end) {
    PackedEntry e;
    size_t len = 0;
    if (!ParseEntry(p + pos, end - pos, &e, &len)) return false;
    size_t back = BacklenBytes(len);
    if (end - pos - len < back) return false;
    // The backlen must name this entry's size, or walking the listpack backwards breaks.
    uint64_t stored = 0;
    for (size_t i = 0; i < back; ++i) stored = (stored << 7) | (p[pos + len + i] & 127);
    if (stored != len) return false;
    out->push_back(e);
    pos += len + back;
  }
  return declared == kUnknownCount || declared == out->size() - first;
}

}  // namespace cairn::rdb
