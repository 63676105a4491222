// store/rdb/rdb_file_writer.cc — see rdb_file_writer.h.
#include "store/rdb/rdb_file_writer.h"

#include <cstdio>

#include "store/rdb/crc64.h"
#include "store/rdb/rdb_format.h"
#include "store/rdb/rdb_object.h"
#include "store/rdb/rdb_string.h"

namespace cairn::rdb {
namespace {

// Large enough that a sink sees few calls, small enough not to matter beside the keyspace.
constexpr size_t kFlushBytes = 1 << 20;

void PutU64Le(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

}  // namespace

void RdbFileWriter::Header() {
  char version[8];
  std::snprintf(version, sizeof(version), "%04u", static_cast<unsigned>(kRdbVersion));
  buf_.append(kRdbMagic);
  buf_.append(version);
}

void RdbFileWriter::Aux(std::string_view name, std::string_view value) {
  buf_.push_back(static_cast<char>(kOpcodeAux));
  PutRdbString(&buf_, name);
  PutRdbString(&buf_, value);
  FlushIfFull();
}

void RdbFileWriter::Function(std::string_view code) {
  buf_.push_back(static_cast<char>(kOpcodeFunction2));
  PutRdbString(&buf_, code);
  FlushIfFull();
}

void RdbFileWriter::SelectDb(int db, uint64_t keys, uint64_t expires) {
  buf_.push_back(static_cast<char>(kOpcodeSelectDb));
  PutRdbLength(&buf_, static_cast<uint64_t>(db));
  buf_.push_back(static_cast<char>(kOpcodeResizeDb));
  PutRdbLength(&buf_, keys);
  PutRdbLength(&buf_, expires);
}

void RdbFileWriter::Key(std::string_view key, const store::Value& value, int64_t expire_at_ms) {
  if (expire_at_ms != 0) {
    buf_.push_back(static_cast<char>(kOpcodeExpireTimeMs));
    PutU64Le(&buf_, static_cast<uint64_t>(expire_at_ms));
  }
  // The object's type byte comes before the key, its body after it.
  scratch_.clear();
  EncodeObject(value, &scratch_);
  buf_.push_back(scratch_[0]);
  PutRdbString(&buf_, key);
  buf_.append(scratch_, 1);
  FlushIfFull();
}

Status RdbFileWriter::Finish() {
  buf_.push_back(static_cast<char>(kOpcodeEof));
  uint64_t crc = Crc64(crc_, buf_);
  PutU64Le(&buf_, crc);
  Flush();
  return status_;
}

void RdbFileWriter::FlushIfFull() {
  if (buf_.size() >= kFlushBytes) Flush();
}

void RdbFileWriter::Flush() {
  if (status_.ok()) {
    crc_ = Crc64(crc_, buf_);
    status_ = sink_(buf_);
  }
  written_ += buf_.size();
  buf_.clear();
}

}  // namespace cairn::rdb
