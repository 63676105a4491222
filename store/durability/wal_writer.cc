// store/durability/wal_writer.cc — see wal_writer.h.
#include "store/durability/wal_writer.h"

#include <unistd.h>

#include <cerrno>

#include "store/durability/wal_format.h"
#include "store/durability/wal_reader.h"

namespace cairn::store {

Result<std::unique_ptr<LogFile>> OpenWalSegmentFile(const std::string& path) {
  return OpenPosixLogFile(path, LogFileOptions{kWalZeroAheadBytes});
}

Status WalWriter::OpenSegment(uint64_t first_lsn) {
  std::string path = options_.dir + "/" + wal::SegmentName(first_lsn);
  Result<std::unique_ptr<LogFile>> opened = options_.open(path);
  if (!opened.ok()) return opened.TakeStatus();
  std::unique_ptr<LogFile> file = std::move(opened).value();
  // Left by a crash right after the segment was created (a header, perhaps zeros after it):
  // it holds no record, since first_lsn is the next LSN to write.
  if (file->size() != 0) {
    if (Status st = file->Truncate(0); !st.ok()) return st;
  }
  if (Status st = file->Append(wal::SegmentHeader()); !st.ok()) {
    (void)file->Truncate(0);  // best effort: the append's error is the one to report
    return st;
  }
  file_ = std::move(file);
  path_ = std::move(path);
  dir_dirty_ = true;
  return Status::Ok();
}

Status WalWriter::Write(uint64_t first_lsn, std::string_view bytes) {
  if (file_ == nullptr || file_->size() >= options_.segment_bytes || rotate_) {
    rotate_ = false;
    if (file_ != nullptr) {
      if (Status st = file_->Sync(); !st.ok()) return st;  // the old segment is complete on disk
    }
    if (Status st = OpenSegment(first_lsn); !st.ok()) return st;
  }
  uint64_t before = file_->size();
  last_write_start_ = before;
  if (Status st = file_->Append(bytes); !st.ok()) {
    (void)file_->Truncate(before);  // best effort: the append's error is the one to report
    return st;
  }
  bytes_written_ += bytes.size();
  return Status::Ok();
}

Status WalWriter::UndoLastWrite() {
  if (file_ == nullptr) return Status::Ok();
  if (Status st = file_->Truncate(last_write_start_); !st.ok()) return st;
  rotate_ = true;
  return Status::Ok();
}

Status WalWriter::Sync() {
  if (file_ == nullptr) return Status::Ok();
  if (Status st = file_->Sync(); !st.ok()) return st;
  if (dir_dirty_) {
    if (Status st = SyncDir(options_.dir); !st.ok()) return st;
    dir_dirty_ = false;
  }
  return Status::Ok();
}

Result<int> TrimWal(const std::string& dir, uint64_t covered_lsn) {
  Result<std::vector<wal::WalSegment>> listed = wal::ListSegments(dir);
  if (!listed.ok()) return listed.TakeStatus();
  const std::vector<wal::WalSegment>& segments = *listed;
  int removed = 0;
  // Segment i holds LSNs [first_i, first_{i+1}); it is covered when first_{i+1} - 1 <= cut.
  for (size_t i = 0; i + 1 < segments.size(); ++i) {
    if (segments[i + 1].first_lsn > covered_lsn + 1) break;
    if (::unlink(segments[i].path.c_str()) != 0) {
      return Status::IoError(errno, "unlink " + segments[i].path);
    }
    ++removed;
  }
  if (removed > 0) {
    if (Status st = SyncDir(dir); !st.ok()) return st;
  }
  return removed;
}

Result<int> RemoveSegmentsBefore(const std::string& dir, uint64_t first_lsn) {
  Result<std::vector<wal::WalSegment>> listed = wal::ListSegments(dir);
  if (!listed.ok()) return listed.TakeStatus();
  int removed = 0;
  for (const wal::WalSegment& segment : *listed) {  // oldest first: a crash leaves a suffix
    if (segment.first_lsn >= first_lsn) break;
    if (::unlink(segment.path.c_str()) != 0) {
      return Status::IoError(errno, "unlink " + segment.path);
    }
    ++removed;
  }
  if (removed > 0) {
    if (Status st = SyncDir(dir); !st.ok()) return st;
  }
  return removed;
}

}  // namespace cairn::store
