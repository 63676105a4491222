// store/rdb/ziplist.cc — readers of the packed encodings Redis 7.0 only loads: ziplist (lists,
// hashes and sorted sets of RDB files before version 10) and zipmap (hashes before 2.6).
// Layouts in rdb_format.h; contracts in packed.h.
#include "store/rdb/detail/little_endian.h"
#include "store/rdb/packed.h"

namespace cairn::rdb {
namespace {

using detail::GetLe;

constexpr size_t kZiplistHeader = 10;  // total:u32 tail:u32 count:u16
constexpr uint8_t kEnd = 0xFF;

// The ziplist entry's encoding and data at p (avail bytes before the terminator); *len is
// their size.
bool ParseZiplistValue(const unsigned char* p, size_t avail, PackedEntry* e, size_t* len) {
  if (avail == 0) return false;
  uint8_t b = p[0];
  auto text = [&](size_t header, uint64_t n) {
    if (avail < header || avail - header < n) return false;
    e->is_int = false;
    e->str = std::string_view(reinterpret_cast<const char*>(p + header), n);
    *len = header + n;
    return true;
  };
  auto integer = [&](int width) {
    if (avail < static_cast<size_t>(1 + width)) return false;
    e->is_int = true;
    e->num = detail::SignExtend(GetLe(p + 1, width), width * 8);
    *len = 1 + static_cast<size_t>(width);
    return true;
  };
  switch (b >> 6) {
    case 0:
      return text(1, b & 0x3F);
    case 1:
      return avail >= 2 && text(2, (uint64_t{b & 0x3Fu} << 8) | p[1]);
    case 2:
      if (b != 0x80 || avail < 5) return false;
      return text(5,
                  (uint64_t{p[1]} << 24) | (uint64_t{p[2]} << 16) | (uint64_t{p[3]} << 8) | p[4]);
    default:
      break;
  }
  switch (b) {
    case 0xC0:
      return integer(2);
    case 0xD0:
      return integer(4);
    case 0xE0:
      return integer(8);
    case 0xF0:
      return integer(3);
    case 0xFE:
      return integer(1);
    default:
      break;
  }
  if (b >= 0xF1 && b <= 0xFD) {
    e->is_int = true, e->num = (b & 0x0F) - 1, *len = 1;
    return true;
  }
  return false;
}

// A zipmap length at *pos: u8 below 254, or 254 then u32le.
bool ZipmapLength(const unsigned char* p, size_t end, size_t* pos, uint64_t* len) {
  if (*pos >= end) return false;
  uint8_t b = p[*pos];
  if (b < 254) {
    *len = b, *pos += 1;
    return true;
  }
  if (b != 254 || end - *pos < 5) return false;
  *len = GetLe(p + *pos + 1, 4), *pos += 5;
  return true;
}

}  // namespace

bool ReadZiplist(std::string_view zl, std::vector<PackedEntry>* out) {
  const auto* p = reinterpret_cast<const unsigned char*>(zl.data());
  if (zl.size() < kZiplistHeader + 1 || GetLe(p, 4) != zl.size() || p[zl.size() - 1] != kEnd) {
    return false;
  }
  size_t tail = GetLe(p + 4, 4), declared = GetLe(p + 8, 2);
  size_t end = zl.size() - 1, pos = kZiplistHeader, prev_len = 0, last = kZiplistHeader;
  size_t first = out->size();
  while (pos < end) {
    size_t header = p[pos] < 254 ? 1 : 5;
    if (p[pos] == 255 || end - pos < header) return false;
    uint64_t prevlen = header == 1 ? p[pos] : GetLe(p + pos + 1, 4);
    if (prevlen != prev_len) return false;  // a broken back link breaks reverse walks
    PackedEntry e;
    size_t len = 0;
    if (!ParseZiplistValue(p + pos + header, end - pos - header, &e, &len)) return false;
    out->push_back(e);
    last = pos;
    prev_len = header + len;
    pos += prev_len;
  }
  if (tail != last) return false;
  return declared == 65535 || declared == out->size() - first;
}

bool ReadZipmap(std::string_view zm, std::vector<std::string_view>* out) {
  const auto* p = reinterpret_cast<const unsigned char*>(zm.data());
  if (zm.size() < 2 || p[zm.size() - 1] != kEnd) return false;
  size_t end = zm.size() - 1, pos = 1, first = out->size();
  while (pos < end) {
    uint64_t klen = 0, vlen = 0;
    if (!ZipmapLength(p, end, &pos, &klen) || end - pos < klen) return false;
    out->emplace_back(zm.data() + pos, klen);
    pos += klen;
    if (!ZipmapLength(p, end, &pos, &vlen) || pos >= end) return false;
    uint64_t free_bytes = p[pos++];
    if (end - pos < vlen || end - pos - vlen < free_bytes) return false;
    out->emplace_back(zm.data() + pos, vlen);
    pos += vlen + free_bytes;
  }
  // A count below 254 is exact; 254 means "count them".
  return p[0] >= 254 || p[0] * 2u == out->size() - first;
}

}  // namespace cairn::rdb
