// store/durability/wal_writer.h — appends framed records to WAL segment files and makes them durable.
//
// Segments are named by the LSN of their first record (wal_format.h). A segment file that
// already exists when the writer opens it holds no record (its name is the next LSN), so it
// is started afresh. When the current
// segment has reached segment_bytes, the next write starts a new segment; the directory is
// fsync'ed with the next Sync so the new file's name is durable too. A failed Append is
// undone (the file is cut back to its previous size) so a retry never leaves half a batch
// in the middle of the log.
//
// Threading: one thread (the group-commit thread) uses a WalWriter.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "store/base/status.h"
#include "store/durability/log_file.h"

namespace cairn::store {

// Segment files are zeroed this far ahead of the records (LogFileOptions): one fdatasync per
// MB of log commits metadata, the others flush data only. A segment thus ends in up to this
// many zero bytes, which readers take as unused space (wal_format.h).
inline constexpr uint64_t kWalZeroAheadBytes = 1 << 20;

// Opens a segment file as the WAL writes it (zeroed ahead).
Result<std::unique_ptr<LogFile>> OpenWalSegmentFile(const std::string& path);

struct WalWriterOptions {
  std::string dir;
  uint64_t segment_bytes = 64ull * 1024 * 1024;
  LogFileOpener open = OpenWalSegmentFile;
};

class WalWriter {
 public:
  explicit WalWriter(WalWriterOptions options) : options_(std::move(options)) {}

  // Appends bytes holding whole records, the first of which has LSN first_lsn. On failure
  // nothing of bytes remains in the file.
  Status Write(uint64_t first_lsn, std::string_view bytes);
  // Makes everything written so far durable (fdatasync, plus the directory after a new
  // segment was created).
  Status Sync();
  // After a failed Sync: takes the last Write back out of the file and makes the next Write
  // start a fresh segment. After a failed fsync the kernel may already have dropped the dirty
  // pages, so the batch must be written again, never just synced again — and only once, or
  // the log would hold its LSNs twice.
  Status UndoLastWrite();
  // The next Write starts a new segment (so a snapshot's cut can free the older ones).
  void Rotate() { rotate_ = true; }
  // Closes the current segment without syncing it (the caller has, or gives up on it): a
  // stopped log holds no descriptor, so a segment removed later frees its disk space. A
  // Write after it starts a new segment.
  void Close() { file_.reset(); }
  uint64_t bytes_written() const { return bytes_written_; }
  const std::string& segment_path() const { return path_; }

 private:
  Status OpenSegment(uint64_t first_lsn);

  WalWriterOptions options_;
  std::unique_ptr<LogFile> file_;
  std::string path_;
  bool dir_dirty_ = false;
  bool rotate_ = false;
  uint64_t last_write_start_ = 0;  // file size before the last Write
  uint64_t bytes_written_ = 0;
};

// Deletes the segments all of whose records have LSN <= covered_lsn (a snapshot holds their
// effects), never the newest segment; fsyncs the directory. Returns how many were removed.
Result<int> TrimWal(const std::string& dir, uint64_t covered_lsn);
// Deletes every segment whose first LSN is below first_lsn, the newest included: segments
// that a snapshot supersedes while no log appends to them (a log turned off, or one started
// at first_lsn after them); fsyncs the directory. Returns how many were removed.
Result<int> RemoveSegmentsBefore(const std::string& dir, uint64_t first_lsn);

}  // namespace cairn::store
