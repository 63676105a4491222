// store/durability/wal_reader.cc — see wal_reader.h.
#include "store/durability/wal_reader.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>

#include "store/durability/log_file.h"
#include "store/durability/wal_format.h"

namespace cairn::store::wal {

WalReporter::~WalReporter() = default;

namespace {

// The smallest possible record: crc, a one-byte size, type and LSN.
constexpr size_t kMinRecordBytes = 4 + 1 + kBodyHeader;

std::string JoinPath(const std::string& dir, const std::string& name) {
  if (dir.empty() || dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

// A whole segment file in memory (see "Memory" in the header). The buffer is kept from one
// segment to the next and replaced only by a larger one: fresh memory costs a page fault per
// 4 KB on first touch, which for a 64 MB segment is more than reading it.
struct FileBytes {
  std::unique_ptr<char[]> data;
  size_t capacity = 0;
  size_t size = 0;
  std::string_view view() const { return {data.get(), size}; }
};

Status ReadWholeFile(const std::string& path, FileBytes* out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IoError(errno, "open " + path);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return Status::IoError(err, "fstat " + path);
  }
  auto file_bytes = static_cast<size_t>(st.st_size);
  if (file_bytes > out->capacity || out->data == nullptr) {
    out->data.reset();  // before the new one: the two need not coexist
    out->data = std::make_unique_for_overwrite<char[]>(file_bytes == 0 ? 1 : file_bytes);
    out->capacity = file_bytes;
  }
  out->size = 0;
  // Read until EOF or the size fstat saw; a file that grew meanwhile is read as it was.
  while (out->size < file_bytes) {
    ssize_t n = ::read(fd, out->data.get() + out->size, file_bytes - out->size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return Status::IoError(err, "read " + path);
    }
    if (n == 0) break;
    out->size += static_cast<size_t>(n);
  }
  ::close(fd);
  return Status::Ok();
}

enum class Prefix { kOk, kShort, kBadVarint };

struct Frame {
  uint32_t masked_crc = 0;
  uint64_t size = 0;  // declared body size
  size_t body = 0;    // offset of the body in the segment
};

// Parses the crc and size varint of the record at pos. kShort: the data ends inside them
// (only a torn write does that). kBadVarint: more than 10 bytes or a value past 2^64.
Prefix ParsePrefix(std::string_view data, size_t pos, Frame* f) {
  Decoder crc(data.substr(pos));
  if (!crc.U32(&f->masked_crc)) return Prefix::kShort;
  size_t p = pos + 4;
  uint64_t v = 0;
  for (int shift = 0;; shift += 7) {
    if (p == data.size()) return Prefix::kShort;
    auto byte = static_cast<uint8_t>(data[p++]);
    if (shift == 63 && byte > 1) return Prefix::kBadVarint;
    v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) break;
  }
  f->size = v;
  f->body = p;
  return Prefix::kOk;
}

bool KnownType(uint8_t type) { return type == kEffects || (type & kSafeToIgnore) != 0; }

// One pass over the segments of a directory: the state ReadWal carries from record to record
// and from segment to segment.
class Scan {
 public:
  Scan(uint64_t after_lsn, const std::function<bool(const WalRecord&)>& on_record,
       WalReporter* reporter)
      : after_lsn_(after_lsn), on_record_(on_record), reporter_(reporter) {}

  // Reads one segment; false when reading must stop (damage, I/O error, callback).
  bool Segment(const WalSegment& seg, bool last);
  WalReadResult Finish();

 private:
  bool Header();
  // Verifies (and maybe delivers) the record at pos and sets *end to its end.
  bool Record(size_t pos, size_t* end);
  bool Deliver(uint8_t type, uint64_t lsn, std::string_view payload, size_t pos);
  // Damage at pos, declared to extend to declared_end: a torn tail if nothing written
  // after it survives (see the header), corruption otherwise.
  bool Damage(size_t pos, uint64_t declared_end, const std::string& reason);
  // Finds an intact record after pos carrying an LSN above expected_lsn_; false if none.
  bool FindLaterRecord(size_t pos, uint64_t* lsn, size_t* at) const;
  bool Torn(size_t pos);
  bool Corrupt(size_t pos, const std::string& reason);

  const uint64_t after_lsn_;
  const std::function<bool(const WalRecord&)>& on_record_;
  WalReporter* const reporter_;
  WalReadResult result_;

  // The segment being read.
  const WalSegment* seg_ = nullptr;
  bool last_ = false;
  FileBytes file_;
  std::string_view data_;
  size_t tail_end_ = 0;  // end of the last non-zero byte: zeros after it are unused space
  WalSegmentSummary* summary_ = nullptr;

  // The LSN the next record must carry; 0 before the first segment.
  uint64_t expected_lsn_ = 0;
  uint64_t intact_first_lsn_ = 0;  // first LSN of the last segment with a good header
};

bool Scan::Segment(const WalSegment& seg, bool last) {
  seg_ = &seg;
  last_ = last;
  if (result_.first_lsn == 0) result_.first_lsn = seg.first_lsn;
  Status st = ReadWholeFile(seg.path, &file_);
  if (!st.ok()) {
    result_.state = WalReadState::kIoError;
    result_.segment = seg.path;
    result_.reason = std::string(st.message());
    return false;
  }
  data_ = file_.view();
  tail_end_ = data_.size();
  while (tail_end_ > 0 && data_[tail_end_ - 1] == 0) --tail_end_;
  result_.segments.push_back(WalSegmentSummary{seg.path, seg.first_lsn, 0, 0, data_.size()});
  summary_ = &result_.segments.back();

  if (seg.first_lsn == 0) return Corrupt(0, "segment name says first LSN 0; LSNs start at 1");
  if (expected_lsn_ != 0 && seg.first_lsn != expected_lsn_) {
    return Corrupt(0, "segment name says first LSN " + std::to_string(seg.first_lsn) +
                          " but the log before it ends at LSN " +
                          std::to_string(expected_lsn_ - 1));
  }
  expected_lsn_ = seg.first_lsn;
  if (!Header()) return false;
  intact_first_lsn_ = seg.first_lsn;
  size_t pos = kHeaderSize;
  // A record holds a non-zero size, so the zeros from a record boundary on are the space the
  // writer zeroed ahead (wal_format.h), not a record.
  while (pos < tail_end_) {
    size_t end = 0;
    if (!Record(pos, &end)) return false;
    pos = end;
  }
  return true;
}

bool Scan::Header() {
  // A crash right after creating the last segment leaves it short, or (if the file system
  // extended it without its data) zero-filled.
  if (last_ && (data_.size() < kHeaderSize || tail_end_ == 0)) return Torn(0);
  if (data_.size() < kHeaderSize) {
    return Corrupt(
        0, "segment of " + std::to_string(data_.size()) + " bytes is shorter than its header");
  }
  if (data_.substr(0, kMagic.size()) != kMagic) return Corrupt(0, "bad segment magic");
  uint32_t version = 0;
  Decoder d(data_.substr(kMagic.size(), 4));
  if (!d.U32(&version) || version != kVersion) {
    return Corrupt(0, "unsupported segment version " + std::to_string(version));
  }
  return true;
}

bool Scan::Record(size_t pos, size_t* end) {
  Frame f;
  switch (ParsePrefix(data_, pos, &f)) {
    case Prefix::kShort:
      return Damage(pos, data_.size(), "record prefix cut short by the end of the segment");
    case Prefix::kBadVarint:
      return Corrupt(pos, "record size is not a valid varint");
    case Prefix::kOk:
      break;
  }
  std::string size_text = std::to_string(f.size);
  if (f.size > kMaxRecordBodyBytes) {
    return Corrupt(pos, "record size " + size_text + " exceeds the limit of " +
                            std::to_string(kMaxRecordBodyBytes) + " bytes");
  }
  uint64_t declared_end = f.body + f.size;
  if (f.size < kBodyHeader) {
    return Damage(pos, declared_end, "record size " + size_text + " is smaller than its header");
  }
  if (declared_end > data_.size()) {
    return Damage(pos, declared_end,
                  "record of " + size_text + " bytes runs past the end of the segment");
  }
  std::string_view body = data_.substr(f.body, f.size);
  if (UnmaskCrc(f.masked_crc) != Crc32c(body.data(), body.size())) {
    return Damage(pos, declared_end, "checksum mismatch");
  }
  Decoder d(body);
  uint8_t type = 0;
  uint64_t lsn = 0;
  (void)d.U8(&type);  // cannot fail: body holds at least kBodyHeader bytes
  (void)d.U64(&lsn);
  if (lsn != expected_lsn_) {
    return Corrupt(pos, summary_->records == 0
                            ? "first record has LSN " + std::to_string(lsn) +
                                  " but the segment name says " + std::to_string(expected_lsn_)
                            : "record has LSN " + std::to_string(lsn) + ", expected " +
                                  std::to_string(expected_lsn_));
  }
  if (!KnownType(type)) return Corrupt(pos, "unknown record type " + std::to_string(type));
  *end = static_cast<size_t>(declared_end);
  return Deliver(type, lsn, body.substr(kBodyHeader), pos);
}

bool Scan::Deliver(uint8_t type, uint64_t lsn, std::string_view payload, size_t pos) {
  ++expected_lsn_;
  ++summary_->records;
  summary_->last_lsn = lsn;
  result_.last_lsn = lsn;
  if (type != kEffects || lsn <= after_lsn_) return true;
  if (on_record_(WalRecord{type, lsn, payload, seg_->path, pos})) return true;
  result_.state = WalReadState::kStopped;
  result_.segment = seg_->path;
  result_.offset = pos;
  return false;
}

bool Scan::Damage(size_t pos, uint64_t declared_end, const std::string& reason) {
  if (!last_ || declared_end < tail_end_) return Corrupt(pos, reason);
  uint64_t later_lsn = 0;
  size_t later_at = 0;
  if (FindLaterRecord(pos, &later_lsn, &later_at)) {
    return Corrupt(pos, reason + "; an intact record with LSN " + std::to_string(later_lsn) +
                            " follows at offset " + std::to_string(later_at));
  }
  return Torn(pos);
}

// Tries every offset after pos. A candidate must frame correctly and carry a plausible LSN
// (above the damaged record's, and no further than the bytes left could number) before its
// CRC is computed, so random bytes rarely cost more than a few comparisons. This runs only
// on damage in the last segment.
bool Scan::FindLaterRecord(size_t pos, uint64_t* lsn, size_t* at) const {
  uint64_t room = (data_.size() - pos) / kMinRecordBytes;
  uint64_t max_lsn = expected_lsn_ > UINT64_MAX - room ? UINT64_MAX : expected_lsn_ + room;
  for (size_t p = pos + 1; p + kMinRecordBytes <= data_.size(); ++p) {
    Frame f;
    if (ParsePrefix(data_, p, &f) != Prefix::kOk || f.size < kBodyHeader ||
        f.size > data_.size() - f.body) {
      continue;
    }
    std::string_view body = data_.substr(f.body, f.size);
    Decoder d(body);
    uint8_t type = 0;
    uint64_t candidate = 0;
    (void)d.U8(&type);
    (void)d.U64(&candidate);
    if (candidate <= expected_lsn_ || candidate > max_lsn || !KnownType(type)) continue;
    if (UnmaskCrc(f.masked_crc) != Crc32c(body.data(), body.size())) continue;
    *lsn = candidate;
    *at = p;
    return true;
  }
  return false;
}

bool Scan::Torn(size_t pos) {
  result_.state = WalReadState::kTornTail;
  result_.segment = seg_->path;
  result_.offset = pos;
  result_.bytes_dropped = data_.size() - pos;
  if (reporter_ != nullptr) reporter_->TornTail(seg_->path, pos, result_.bytes_dropped);
  return false;
}

bool Scan::Corrupt(size_t pos, const std::string& reason) {
  result_.state = WalReadState::kCorrupt;
  result_.segment = seg_->path;
  result_.offset = pos;
  result_.reason = reason;
  if (reporter_ != nullptr) reporter_->Corruption(seg_->path, pos, reason);
  return false;
}

WalReadResult Scan::Finish() {
  result_.next_lsn = result_.last_lsn != 0 ? result_.last_lsn + 1 : intact_first_lsn_;
  return std::move(result_);
}

}  // namespace

Result<std::vector<WalSegment>> ListSegments(const std::string& dir) {
  std::vector<WalSegment> segments;
  std::string path = dir.empty() ? "." : dir;
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return segments;
    return Status::IoError(errno, "opendir " + path);
  }
  errno = 0;
  while (const dirent* e = ::readdir(d)) {
    uint64_t first_lsn = 0;
    if (ParseSegmentName(e->d_name, &first_lsn)) {
      segments.push_back(WalSegment{JoinPath(dir, e->d_name), first_lsn});
    }
    errno = 0;
  }
  int err = errno;
  ::closedir(d);
  if (err != 0) return Status::IoError(err, "readdir " + path);
  std::sort(segments.begin(), segments.end(),
            [](const WalSegment& a, const WalSegment& b) { return a.first_lsn < b.first_lsn; });
  return segments;
}

WalReadResult ReadWal(const std::string& dir, uint64_t after_lsn,
                      const std::function<bool(const WalRecord&)>& on_record,
                      WalReporter* reporter) {
  Result<std::vector<WalSegment>> listed = ListSegments(dir);
  if (!listed.ok()) {
    WalReadResult result;
    result.state = WalReadState::kIoError;
    result.reason = std::string(listed.status().message());
    return result;
  }
  const std::vector<WalSegment>& segments = *listed;
  Scan scan(after_lsn, on_record, reporter);
  for (size_t i = 0; i < segments.size(); ++i) {
    if (!scan.Segment(segments[i], i + 1 == segments.size())) break;
  }
  return scan.Finish();
}

namespace {

// Cuts the file at path to size bytes and makes the new size durable.
Status TruncateFile(const std::string& path, uint64_t size) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Status::IoError(errno, "open " + path);
  struct stat st;
  Status status;
  if (::fstat(fd, &st) != 0) {
    status = Status::IoError(errno, "fstat " + path);
  } else if (static_cast<uint64_t>(st.st_size) < size) {
    status = Status::Invalid("truncate " + path + ": file is shorter than the cut point " +
                             std::to_string(size) + "; it changed since it was read");
  } else if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    status = Status::IoError(errno, "ftruncate " + path);
  } else if (::fsync(fd) != 0) {
    status = Status::IoError(errno, "fsync " + path);
  }
  if (::close(fd) != 0 && status.ok()) status = Status::IoError(errno, "close " + path);
  return status;
}

Status RemoveFile(const std::string& path, std::vector<std::string>* removed) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Status::IoError(errno, "unlink " + path);
  }
  if (removed != nullptr) removed->push_back(path);
  return Status::Ok();
}

}  // namespace

Status TruncateWal(const std::string& dir, const WalReadResult& damage,
                   std::vector<std::string>* removed) {
  if (damage.state != WalReadState::kTornTail && damage.state != WalReadState::kCorrupt) {
    return Status::Invalid("truncate " + dir + ": the read result reports no damage");
  }
  Result<std::vector<WalSegment>> listed = ListSegments(dir);
  if (!listed.ok()) return listed.TakeStatus();
  const std::vector<WalSegment>& segments = *listed;
  auto damaged = std::find_if(segments.begin(), segments.end(),
                              [&](const WalSegment& s) { return s.path == damage.segment; });
  if (damaged == segments.end()) {
    return Status::Invalid("truncate " + damage.segment + ": not a segment of " + dir);
  }
  // Newest first: a crash part-way leaves the log a shorter prefix, never a log with a gap.
  for (auto it = segments.end(); it != damaged + 1;) {
    --it;
    Status st = RemoveFile(it->path, removed);
    if (!st.ok()) return st;
  }
  if (damaged + 1 != segments.end()) {
    if (Status st = SyncDir(dir); !st.ok()) return st;
  }
  Status st = damage.offset < kHeaderSize ? RemoveFile(damaged->path, removed)
                                          : TruncateFile(damaged->path, damage.offset);
  if (!st.ok()) return st;
  return SyncDir(dir);
}

}  // namespace cairn::store::wal
