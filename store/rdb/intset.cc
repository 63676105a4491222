// store/rdb/intset.cc — Redis's intset blob (packed.h, rdb_format.h): the RDB form of a set
// of integers.
#include <algorithm>

#include "store/rdb/detail/little_endian.h"
#include "store/rdb/packed.h"

namespace cairn::rdb {
namespace {

using detail::GetLe;
using detail::PutLe;

constexpr size_t kHeaderBytes = 8;  // width:u32 count:u32

int WidthFor(int64_t v) {
  if (v >= INT16_MIN && v <= INT16_MAX) return 2;
  return v >= INT32_MIN && v <= INT32_MAX ? 4 : 8;
}

}  // namespace

std::string WriteIntset(const std::vector<int64_t>& sorted) {
  int width = 2;
  for (int64_t v : sorted) width = std::max(width, WidthFor(v));
  std::string out;
  out.reserve(kHeaderBytes + sorted.size() * static_cast<size_t>(width));
  PutLe(&out, static_cast<uint64_t>(width), 4);
  PutLe(&out, sorted.size(), 4);
  for (int64_t v : sorted) PutLe(&out, static_cast<uint64_t>(v), width);
  return out;
}

bool ReadIntset(std::string_view is, std::vector<int64_t>* out) {
  const auto* p = reinterpret_cast<const unsigned char*>(is.data());
  if (is.size() < kHeaderBytes) return false;
  uint64_t width = GetLe(p, 4), count = GetLe(p + 4, 4);
  if ((width != 2 && width != 4 && width != 8) || (is.size() - kHeaderBytes) % width != 0 ||
      (is.size() - kHeaderBytes) / width != count) {
    return false;
  }
  for (uint64_t i = 0; i < count; ++i) {
    int64_t v = detail::SignExtend(GetLe(p + kHeaderBytes + i * width, static_cast<int>(width)),
                                   static_cast<int>(width * 8));
    if (i > 0 && v <= out->back()) return false;
    out->push_back(v);
  }
  return true;
}

}  // namespace cairn::rdb
