// store/rdb/rdb_file_writer.h — writes a whole RDB file (the grammar is in rdb_format.h) to a
// byte sink, record by record, keeping the running CRC-64 that ends the file.
//
// The writer buffers up to about 1 MB and hands full buffers to the sink; the first failing
// sink call's Status sticks: later calls do nothing and Finish returns it. Order is the
// caller's: Header, Aux*, Function*, then per database SelectDb and its Keys, then Finish.
// Thread-safety: one thread at a time; the sink is called on that thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "store/base/status.h"
#include "store/entry.h"

namespace cairn::rdb {

// Receives the file's bytes in order. A failure stops the writer.
using RdbSink = std::function<Status(std::string_view bytes)>;

class RdbFileWriter {
 public:
  explicit RdbFileWriter(RdbSink sink) : sink_(std::move(sink)) {}

  // "REDIS0010".
  void Header();
  void Aux(std::string_view name, std::string_view value);
  // One function library's code (FUNCTION2).
  void Function(std::string_view code);
  // SELECTDB db, then RESIZEDB with the database's key and TTL counts.
  void SelectDb(int db, uint64_t keys, uint64_t expires);
  // One key; expire_at_ms 0 means no TTL. Reads value: the caller keeps it unchanged.
  void Key(std::string_view key, const store::Value& value, int64_t expire_at_ms);
  // EOF and the CRC-64, then hands everything left to the sink. The first failure, if any.
  Status Finish();

  const Status& status() const { return status_; }
  // Bytes produced so far (handed to the sink or buffered).
  uint64_t bytes() const { return written_ + buf_.size(); }

 private:
  void FlushIfFull();
  void Flush();

  RdbSink sink_;
  std::string buf_;
  std::string scratch_;
  uint64_t crc_ = 0;
  uint64_t written_ = 0;
  Status status_;
};

}  // namespace cairn::rdb
