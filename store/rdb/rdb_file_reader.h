// store/rdb/rdb_file_reader.h — reads a whole RDB file (grammar in rdb_format.h; versions 1 to
// 10, as Redis 7.0 reads them) from a byte source, streaming: it holds one record at a time
// and hands each key, function library and AUX field to a visitor as it is read.
//
// Damage never crashes and never allocates by a declared length: the reader asks the source
// for more bytes only while a record does not decode yet, so a record claiming 2^60 bytes
// fails at the end of the real input. The error (kCorruption) names what was wrong and the
// byte offset in the file where the record starts and where the input ended ("bad or truncated
// key (type 4) at offset 1234 (the input ends at offset 2000)"). The CRC-64 is checked when
// the file carries one.
//
// Thread-safety: one thread at a time; the source and visitor are called on that thread.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/base/status.h"
#include "store/entry.h"

namespace cairn::rdb {

// Where the file's bytes come from (a file, a socket's transfer).
class RdbSource {
 public:
  virtual ~RdbSource() = default;
  // Appends at most max bytes to *out and returns how many; 0 means the input has ended.
  virtual Result<size_t> Read(size_t max, std::string* out) = 0;
  // At most how many bytes Read can still give, when the source knows (a file's size, the
  // bytes in memory); nullopt for a pipe or socket.
  virtual std::optional<uint64_t> BytesLeft() const { return std::nullopt; }
  // When BytesLeft is unknown: how many keys RESIZEDB hints may reserve in all (0: none).
  // A source whose producer is trusted to size its hints (a replica's primary) names a
  // fixed bound, so a false hint costs a bounded allocation and a true one saves the
  // tables' growth.
  virtual uint64_t HintKeysWithoutLength() const { return 0; }
};

// Reads an open file descriptor with read(2) (a file, a pipe, a socket in blocking mode) and
// closes it when destroyed. A failed read is a kIoError with its errno.
class FdSource final : public RdbSource {
 public:
  explicit FdSource(int fd);
  ~FdSource() override;
  FdSource(const FdSource&) = delete;
  FdSource& operator=(const FdSource&) = delete;
  Result<size_t> Read(size_t max, std::string* out) override;
  // A regular file's size past the read position (as it was when opened, less what was
  // read since: a file that grows meanwhile gives more than this).
  std::optional<uint64_t> BytesLeft() const override { return left_; }

 private:
  int fd_;
  std::optional<uint64_t> left_;
};

// Reads bytes held in memory (a DUMP-sized image, an RDB built in memory). bytes must outlive
// the source.
class StringSource final : public RdbSource {
 public:
  explicit StringSource(std::string_view bytes) : rest_(bytes) {}
  Result<size_t> Read(size_t max, std::string* out) override {
    size_t n = std::min(max, rest_.size());
    out->append(rest_.substr(0, n));
    rest_.remove_prefix(n);
    return n;
  }
  std::optional<uint64_t> BytesLeft() const override { return rest_.size(); }

 private:
  std::string_view rest_;
};

// One key as the file holds it.
struct RdbKey {
  int db = 0;
  std::string key;
  store::Value value;
  int64_t expire_at_ms = 0;  // 0: no TTL
};

// What the reader found, in file order. A failed Status stops reading and is returned as is.
class RdbVisitor {
 public:
  virtual ~RdbVisitor() = default;
  virtual Status OnAux(std::string_view name, std::string_view value) { return Status::Ok(); }
  virtual Status OnFunction(std::string_view code) = 0;
  virtual Status OnKey(RdbKey&& key) = 0;
  // RESIZEDB: about `keys` keys of db follow. A sizing hint, not a promise: what the file
  // declares, bounded by what the rest of the input can hold (rdb_format.h's kMinKeyBytes
  // a key) less what earlier hints claimed and the file has not delivered yet; 0 when the
  // source cannot say how much is left.
  virtual Status OnResizeDb(int db, uint64_t keys) { return Status::Ok(); }
};

struct RdbReadInfo {
  int version = 0;
  uint64_t keys = 0;
  uint64_t bytes = 0;             // through the checksum
  bool checksum_checked = false;  // false: an old version, or a file written without one
};

Result<RdbReadInfo> ReadRdbFile(RdbSource& source, RdbVisitor& visitor);

}  // namespace cairn::rdb
