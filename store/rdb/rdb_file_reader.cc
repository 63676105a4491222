// store/rdb/rdb_file_reader.cc — see rdb_file_reader.h.
//
// The reader keeps the unread input in one buffer. Each record is parsed from the bytes
// present; when it does not parse and the source has more, the reader at least doubles what
// it holds and parses again, so a record of n bytes costs O(n) to read however it arrives,
// and only a source at its end turns "does not parse" into an error.
#include "store/rdb/rdb_file_reader.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "store/rdb/crc64.h"
#include "store/rdb/rdb_format.h"
#include "store/rdb/rdb_object.h"
#include "store/rdb/rdb_string.h"

namespace cairn::rdb {
namespace {

constexpr size_t kMinRead = 64 << 10;

bool ReadU8(std::string_view* in, uint8_t* v) {
  if (in->empty()) return false;
  *v = static_cast<uint8_t>((*in)[0]);
  in->remove_prefix(1);
  return true;
}

bool ReadLittleEndian(std::string_view* in, int bytes, uint64_t* v) {
  if (in->size() < static_cast<size_t>(bytes)) return false;
  *v = 0;
  for (int i = bytes - 1; i >= 0; --i) *v = (*v << 8) | static_cast<uint8_t>((*in)[i]);
  in->remove_prefix(static_cast<size_t>(bytes));
  return true;
}

class Cursor {
 public:
  explicit Cursor(RdbSource& source) : source_(source) {}

  // Runs parse(&view) over the unread bytes until it succeeds (then consumes what it read)
  // or the input ends. A source error is returned; "did not parse at the end" is kCorruption
  // naming what and where.
  template <class Parse>
  Status Next(std::string_view what, Parse parse) {
    size_t want = kMinRead;
    for (;;) {
      if (Status st = Fill(want); !st.ok()) return st;
      std::string_view view(buf_.data() + pos_, buf_.size() - pos_);
      size_t before = view.size();
      if (parse(&view)) {
        pos_ += before - view.size();
        return Status::Ok();
      }
      if (ended_) return Failure(what);
      want = 2 * before + kMinRead;
    }
  }
  // The failure of the record that starts at the last Mark(). A record is only given up on
  // at the end of the input, so damage and truncation look alike: both are named.
  Status Failure(std::string_view what) const {
    return Status::Corruption("bad or truncated " + std::string(what) + " at offset " +
                              std::to_string(mark_) + " (the input ends at offset " +
                              std::to_string(dropped_ + buf_.size()) + ")");
  }
  void Mark() { mark_ = offset(); }
  // At most how many unread bytes are left (those held and the source's), if known.
  std::optional<uint64_t> BytesLeft() const {
    std::optional<uint64_t> source = source_.BytesLeft();
    if (!source) return std::nullopt;
    return *source + (buf_.size() - pos_);
  }
  uint64_t HintKeysWithoutLength() const { return source_.HintKeysWithoutLength(); }
  uint64_t offset() const { return dropped_ + pos_; }
  // CRC-64 of every byte consumed so far.
  uint64_t crc() {
    Compact();
    return crc_;
  }

 private:
  // Makes at least want unread bytes present, or reaches the end of the input.
  Status Fill(size_t want) {
    if (pos_ > kMinRead && pos_ * 2 > buf_.size()) Compact();
    while (!ended_ && buf_.size() - pos_ < want) {
      // At least kMinRead at a time: a read(2) per field would cost more than the parsing.
      size_t missing = want - (buf_.size() - pos_);
      Result<size_t> got = source_.Read(std::max(missing, kMinRead), &buf_);
      if (!got.ok()) return got.TakeStatus();
      if (*got == 0) ended_ = true;
    }
    return Status::Ok();
  }
  // Drops the consumed bytes, folding them into the CRC.
  void Compact() {
    crc_ = Crc64(crc_, std::string_view(buf_.data(), pos_));
    buf_.erase(0, pos_);
    dropped_ += pos_;
    pos_ = 0;
  }

  RdbSource& source_;
  std::string buf_;
  size_t pos_ = 0;
  uint64_t dropped_ = 0;
  uint64_t crc_ = 0;
  uint64_t mark_ = 0;
  bool ended_ = false;
};

class Reader {
 public:
  Reader(RdbSource& source, RdbVisitor& visitor) : in_(source), visitor_(visitor) {}
  Result<RdbReadInfo> Run();

 private:
  Status Header();
  Status Record(uint8_t op, bool* done);
  Status Key(uint8_t type);
  Status Checksum();
  // The part of a RESIZEDB count of `declared` keys the rest of the input has room for,
  // after the keys earlier hints promised and the file has not yet delivered.
  uint64_t Hint(uint64_t declared);

  Cursor in_;
  RdbVisitor& visitor_;
  RdbReadInfo info_;
  int db_ = 0;
  int64_t expire_at_ms_ = 0;
  uint64_t hinted_through_ = 0;  // the key count the hints so far reach
  std::string name_, value_;
};

uint64_t Reader::Hint(uint64_t declared) {
  // One budget for the whole file: a file repeating RESIZEDB for every database cannot
  // claim its room once per database.
  std::optional<uint64_t> left = in_.BytesLeft();
  uint64_t room = left ? *left / kMinKeyBytes : in_.HintKeysWithoutLength();
  uint64_t promised = hinted_through_ > info_.keys ? hinted_through_ - info_.keys : 0;
  uint64_t hint = std::min(declared, room > promised ? room - promised : 0);
  hinted_through_ = info_.keys + promised + hint;
  return hint;
}

Status Reader::Header() {
  return in_.Next("header", [&](std::string_view* v) {
    if (v->size() < kRdbHeaderBytes) return false;
    if (v->substr(0, 5) != kRdbMagic) return false;
    int version = 0;
    for (char c : v->substr(5, 4)) {
      if (c < '0' || c > '9') return false;
      version = version * 10 + (c - '0');
    }
    info_.version = version;
    v->remove_prefix(kRdbHeaderBytes);
    return true;
  });
}

Status Reader::Key(uint8_t type) {
  RdbKey key;
  Status st = in_.Next("key (type " + std::to_string(type) + ")", [&](std::string_view* v) {
    return ReadRdbString(v, &key.key) && DecodeObjectBody(type, v, &key.value);
  });
  if (!st.ok()) return st;
  key.db = db_;
  key.expire_at_ms = expire_at_ms_;
  expire_at_ms_ = 0;
  ++info_.keys;
  return visitor_.OnKey(std::move(key));
}

Status Reader::Record(uint8_t op, bool* done) {
  uint64_t a = 0, b = 0;
  switch (op) {
    case kOpcodeEof:
      *done = true;
      return Status::Ok();
    case kOpcodeAux:
      if (Status st = in_.Next("AUX field",
                               [&](std::string_view* v) {
                                 return ReadRdbString(v, &name_) && ReadRdbString(v, &value_);
                               });
          !st.ok()) {
        return st;
      }
      return visitor_.OnAux(name_, value_);
    case kOpcodeFunction2:
      if (Status st = in_.Next("function library",
                               [&](std::string_view* v) { return ReadRdbString(v, &value_); });
          !st.ok()) {
        return st;
      }
      return visitor_.OnFunction(value_);
    case kOpcodeSelectDb:
      return in_.Next("SELECTDB", [&](std::string_view* v) {
        if (!ReadRdbLength(v, &a) || a > INT32_MAX) return false;
        db_ = static_cast<int>(a);
        return true;
      });
    case kOpcodeResizeDb:
      if (Status st = in_.Next("RESIZEDB", [&](std::string_view* v) {
            return ReadRdbLength(v, &a) && ReadRdbLength(v, &b);
          });
          !st.ok()) {
        return st;
      }
      return visitor_.OnResizeDb(db_, Hint(a));
    case kOpcodeExpireTimeMs:
      return in_.Next("expire time", [&](std::string_view* v) {
        if (!ReadLittleEndian(v, 8, &a)) return false;
        // A time at or before the epoch is an expired key; 0 would mean "no TTL" here.
        expire_at_ms_ = static_cast<int64_t>(a) > 0 ? static_cast<int64_t>(a) : 1;
        return true;
      });
    case kOpcodeExpireTime:
      return in_.Next("expire time", [&](std::string_view* v) {
        if (!ReadLittleEndian(v, 4, &a)) return false;
        int64_t s = static_cast<int32_t>(static_cast<uint32_t>(a));
        expire_at_ms_ = s > 0 ? s * 1000 : 1;
        return true;
      });
    case kOpcodeFreq:
      return in_.Next("LFU frequency", [&](std::string_view* v) { return ReadU8(v, &op); });
    case kOpcodeIdle:
      return in_.Next("LRU idle time", [&](std::string_view* v) { return ReadRdbLength(v, &a); });
    case kOpcodeModuleAux:
      return in_.Failure("record: module data is not supported");
    case kOpcodeFunctionPreGa:
      return in_.Failure("record: the pre-release function format is not supported");
    default:
      return Key(op);
  }
}

Status Reader::Checksum() {
  uint64_t computed = in_.crc();
  uint64_t stored = 0;
  in_.Mark();
  if (Status st = in_.Next("checksum",
                           [&](std::string_view* v) { return ReadLittleEndian(v, 8, &stored); });
      !st.ok()) {
    return st;
  }
  info_.checksum_checked = stored != 0;
  if (stored != 0 && stored != computed) {
    return Status::Corruption("wrong checksum at offset " + std::to_string(in_.offset() - 8) +
                              " (the file is damaged)");
  }
  return Status::Ok();
}

Result<RdbReadInfo> Reader::Run() {
  if (Status st = Header(); !st.ok()) {
    return Status::Corruption("not an RDB file (no REDIS header)");
  }
  if (info_.version < 1 || info_.version > kRdbVersion) {
    return Status::Corruption("RDB version " + std::to_string(info_.version) +
                              " is not supported (1 to " + std::to_string(kRdbVersion) + ")");
  }
  for (bool done = false; !done;) {
    uint8_t op = 0;
    in_.Mark();
    if (Status st = in_.Next("record", [&](std::string_view* v) { return ReadU8(v, &op); });
        !st.ok()) {
      return st;
    }
    if (Status st = Record(op, &done); !st.ok()) return st;
  }
  if (info_.version >= kRdbFirstChecksumVersion) {
    if (Status st = Checksum(); !st.ok()) return st;
  }
  info_.bytes = in_.offset();
  return info_;
}

}  // namespace

FdSource::FdSource(int fd) : fd_(fd) {
  struct stat st;
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) return;
  off_t at = ::lseek(fd_, 0, SEEK_CUR);
  if (at >= 0 && st.st_size >= at) left_ = static_cast<uint64_t>(st.st_size - at);
}

FdSource::~FdSource() { ::close(fd_); }

Result<size_t> FdSource::Read(size_t max, std::string* out) {
  size_t old = out->size();
  out->resize(old + max);
  ssize_t n;
  do {
    n = ::read(fd_, out->data() + old, max);
  } while (n < 0 && errno == EINTR);
  out->resize(old + (n > 0 ? static_cast<size_t>(n) : 0));
  if (n < 0) return Status::IoError(errno, "read");
  if (left_) *left_ -= std::min(*left_, static_cast<uint64_t>(n));
  return static_cast<size_t>(n);
}

Result<RdbReadInfo> ReadRdbFile(RdbSource& source, RdbVisitor& visitor) {
  Reader reader(source, visitor);
  return reader.Run();
}

}  // namespace cairn::rdb
