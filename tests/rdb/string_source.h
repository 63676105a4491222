// tests/rdb/string_source.h — an RdbSource over bytes in memory that hands them out in reads
// of at most a given size, so a test (or a fuzz target) can split a file's records across
// reads at any offset. Header only; the bytes must outlive the source.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "store/rdb/rdb_file_reader.h"

namespace cairn::rdb::testing {

class StringSource final : public RdbSource {
 public:
  // hint_keys: what RESIZEDB may reserve without a known length (as a replica's link names).
  StringSource(std::string_view data, size_t chunk, uint64_t hint_keys = 0)
      : data_(data), chunk_(chunk), hint_keys_(hint_keys) {}
  Result<size_t> Read(size_t max, std::string* out) override {
    size_t n = std::min({max, chunk_, data_.size() - pos_});
    out->append(data_.substr(pos_, n));
    pos_ += n;
    return n;
  }
  uint64_t HintKeysWithoutLength() const override { return hint_keys_; }

 private:
  std::string_view data_;
  size_t chunk_;
  uint64_t hint_keys_;
  size_t pos_ = 0;
};

}  // namespace cairn::rdb::testing
