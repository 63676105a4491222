// store/durability/wal_writer.cc — see wal_writer.h.
#include "store/durability/wal_writer.h"

#include <unistd.h>

#include <cerrno>

#include "store/durability/wal_format.h"
#include "store/durability/wal_reader.h"

namespace cairn::store {

int WalWriter::OpenSegment(uint64_t first_lsn) {
  std::string path = options_.dir + "/" + wal::SegmentName(first_lsn);
  int error = 0;
  std::unique_ptr<LogFile> file = options_.open(path, &error);
  if (file == nullptr) return error;
  if (file->size() == 0) {
    if (int rc = file->Append(wal::SegmentHeader()); rc != 0) {
      (void)file->Truncate(0);
      return rc;
    }
  }
  file_ = std::move(file);
  path_ = std::move(path);
  dir_dirty_ = true;
  return 0;
}

int WalWriter::Write(uint64_t first_lsn, std::string_view bytes) {
  if (file_ == nullptr || file_->size() >= options_.segment_bytes || rotate_) {
    rotate_ = false;
    if (file_ != nullptr) {
      if (int rc = file_->Sync(); rc != 0) return rc;  // the old segment is complete on disk
    }
    if (int rc = OpenSegment(first_lsn); rc != 0) return rc;
  }
  uint64_t before = file_->size();
  last_write_start_ = before;
  if (int rc = file_->Append(bytes); rc != 0) {
    (void)file_->Truncate(before);
    return rc;
  }
  bytes_written_ += bytes.size();
  return 0;
}

int WalWriter::UndoLastWrite() {
  if (file_ == nullptr) return 0;
  if (int rc = file_->Truncate(last_write_start_); rc != 0) return rc;
  rotate_ = true;
  return 0;
}

int WalWriter::Sync() {
  if (file_ == nullptr) return 0;
  if (int rc = file_->Sync(); rc != 0) return rc;
  if (dir_dirty_) {
    if (int rc = SyncDir(options_.dir); rc != 0) return rc;
    dir_dirty_ = false;
  }
  return 0;
}

int TrimWal(const std::string& dir, uint64_t covered_lsn) {
  std::vector<wal::WalSegment> segments;
  if (wal::WalStatus st = wal::ListSegments(dir, &segments); !st.ok()) return st.error;
  int removed = 0;
  // Segment i holds LSNs [first_i, first_{i+1}); it is covered when first_{i+1} - 1 <= cut.
  for (size_t i = 0; i + 1 < segments.size(); ++i) {
    if (segments[i + 1].first_lsn > covered_lsn + 1) break;
    if (::unlink(segments[i].path.c_str()) != 0) return -errno;
    ++removed;
  }
  if (removed > 0) {
    if (int rc = SyncDir(dir); rc != 0) return rc;
  }
  return removed;
}

}  // namespace cairn::store
