// store/rdb/packed.h — Redis's packed blobs found inside RDB strings: listpack (written and
// read), intset (written and read), ziplist and zipmap (read only: Redis 7.0 loads them from
// older files but never writes them). Byte layouts are in rdb_format.h.
//
// Readers check the whole blob before returning anything: header sizes against the real
// size, every entry inside the blob, the terminator in place, counts that agree. They never
// allocate by a declared count; the output grows with the entries actually present.
// Thread-safe (no state).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::rdb {

// One element of a listpack or ziplist: an integer, or a view into the blob.
struct PackedEntry {
  bool is_int = false;
  int64_t num = 0;
  std::string_view str;

  // The element as Redis's commands see it (integers as decimal text).
  std::string Text() const { return is_int ? std::to_string(num) : std::string(str); }
};

// Builds a listpack. Strings that are canonical integers are stored as integers, as Redis
// does, so the bytes match a redis-server's for the same elements.
class ListpackWriter {
 public:
  ListpackWriter();
  void Append(std::string_view element);
  void AppendInt(int64_t v);
  size_t count() const { return count_; }
  // Bytes the finished listpack would take now.
  size_t bytes() const { return body_.size() + 1; }
  // Fills in the header and terminator and returns the listpack; the writer is empty after.
  std::string Finish();

 private:
  void AppendEntry(std::string_view encoded);
  std::string body_;
  size_t count_ = 0;
};

// The entries of a listpack; false when lp is not a valid one.
[[nodiscard]] bool ReadListpack(std::string_view lp, std::vector<PackedEntry>* out);
// The entries of a ziplist; false when zl is not a valid one.
[[nodiscard]] bool ReadZiplist(std::string_view zl, std::vector<PackedEntry>* out);
// The key, value pairs of a zipmap (flattened); false when zm is not a valid one.
[[nodiscard]] bool ReadZipmap(std::string_view zm, std::vector<std::string_view>* out);

// An intset of sorted, distinct values, in the narrowest width that holds them all.
std::string WriteIntset(const std::vector<int64_t>& sorted);
// The values of an intset; false unless it is valid, ascending and without duplicates.
[[nodiscard]] bool ReadIntset(std::string_view is, std::vector<int64_t>* out);

}  // namespace cairn::rdb
