// store/durability/wal_reader.h — reading the write-ahead log back: recovery's replay source and the
// checker behind cairn-check-wal.
//
// ReadWal walks the segments of a WAL directory in LSN order, verifies every record (framing,
// CRC, type, LSN sequence) and hands the records after a given LSN to a callback. It tells a
// torn tail (the normal result of a crash during an append: cut it off and go on) from
// corruption (damage to data that was once complete: stop, name the file and offset).
//
// Classification, in the segment files (format in wal_format.h):
//   * header: must be magic + version 1. The LAST segment may be shorter than the header (or
//     all zeros): a crash right after creating it; that is a torn tail at offset 0.
//   * LSNs: a segment's first record carries the first LSN in its name; every later record,
//     in that segment or the next, carries the previous LSN + 1. Anything else is corruption.
//   * In the LAST segment, a record whose framing ends early (EOF inside the crc/size prefix
//     or inside the body) or whose CRC fails while its declared end reaches EOF is a torn
//     tail — a partly written last record. Trailing zero bytes count as EOF: the writer
//     zeroes files ahead of its records, and a file system may extend a file whose last
//     pages never reached the disk.
//   * In any segment, zeros from a record boundary to the end of the file are unused space
//     and end the segment cleanly. Two guards keep a torn
//     tail from hiding acknowledged data: a bad record with non-zero bytes after its
//     declared end is corruption, and so is one followed by any intact record with a later
//     LSN (a flipped size byte must not swallow the records after it).
//   * Anywhere: a size varint longer than 10 bytes, a size below the body header or above
//     kMaxRecordBodyBytes, an unknown type without kSafeToIgnore: corruption. Any damage in
//     a segment that is not the last: corruption.
//   * Types with kSafeToIgnore set are verified, take their LSN, and are not delivered.
//
// Memory: each segment file is read whole into one buffer, so reading costs one buffer the
// size of the largest segment. Segments rotate at a configured size (default 64 MB) and hold
// whole records, so a segment exceeds that size only by its last record.
//
// Threading: the functions here share no state; call them from any one thread. They must
// not run while a writer appends to the same directory: an append in flight looks like a
// torn tail, and TruncateWal would cut it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "store/base/status.h"

namespace cairn::store::wal {

// One verified record, as handed to ReadWal's callback. The views point into the reader's
// segment buffer and are valid only during the callback.
struct WalRecord {
  uint8_t type;  // kEffects (records of other types are not delivered)
  uint64_t lsn;
  std::string_view payload;  // the body after type and LSN
  std::string_view segment;  // path of the segment file holding the record
  uint64_t offset;           // byte offset of the record's first (crc) byte in that file
};

// Told about damage as ReadWal finds it (LevelDB's Reporter). Called at most once per
// ReadWal, on the reading thread, before ReadWal returns.
class WalReporter {
 public:
  virtual ~WalReporter();
  // The last segment ends in a partly written record: everything from offset to the end
  // of the file (bytes_dropped bytes) is not part of the log.
  virtual void TornTail(const std::string& segment_path, uint64_t offset,
                        uint64_t bytes_dropped) = 0;
  // The record (or header) at offset is damaged; reading stopped there.
  virtual void Corruption(const std::string& segment_path, uint64_t offset,
                          const std::string& reason) = 0;
};

struct WalSegment {
  std::string path;  // dir + "/" + SegmentName(first_lsn)
  uint64_t first_lsn;
};

// The segment files in dir, sorted by first LSN. Files whose names ParseSegmentName rejects
// are ignored. A missing dir is an empty log (no segments).
Result<std::vector<WalSegment>> ListSegments(const std::string& dir);

// What ReadWal saw in one segment, up to where it stopped reading.
struct WalSegmentSummary {
  std::string path;
  uint64_t first_lsn = 0;  // from the name
  uint64_t records = 0;    // verified records, delivered or not
  uint64_t last_lsn = 0;   // LSN of the last verified record (0 if records == 0)
  uint64_t size_bytes = 0;
};

enum class WalReadState {
  kOk,        // every segment read to its end
  kStopped,   // the callback returned false
  kTornTail,  // the last segment ends in a partly written record
  kCorrupt,   // damage that a crash does not explain
  kIoError,   // a segment or the directory could not be read
};

struct [[nodiscard]] WalReadResult {
  WalReadState state = WalReadState::kOk;
  // kTornTail / kCorrupt: the damaged segment and the offset where its good part ends (the
  // end of the last good record, or 0 when its header is damaged): cut the file there.
  // kStopped: the segment and offset of the record on which the callback returned false.
  // kIoError: the segment that could not be read (empty if it was the directory).
  std::string segment;
  uint64_t offset = 0;
  uint64_t bytes_dropped = 0;  // kTornTail: file size - offset
  std::string reason;          // kCorrupt / kIoError: what is wrong
  // The last good LSN read, delivered or skipped (0 if none). kStopped: the LSN of the
  // record on which the callback returned false.
  uint64_t last_lsn = 0;
  // The first LSN of the first segment (0 if there are none). ReadWal does not check that
  // the log reaches back to after_lsn + 1; the caller compares the two.
  uint64_t first_lsn = 0;
  // The LSN the next appended record must carry for the log to stay consistent, once the
  // damage (if any) is cut off: last_lsn + 1, or, when no good record was read, the first
  // LSN of the last segment whose header is intact; 0 if there is none.
  uint64_t next_lsn = 0;
  // One entry per segment ReadWal opened, in order, the damaged one included.
  std::vector<WalSegmentSummary> segments;

  bool ok() const { return state == WalReadState::kOk; }
};

// Reads every segment in dir in LSN order, verifying each record as described at the top of
// this file. Records of type kEffects with lsn > after_lsn are passed to on_record in LSN
// order; returning false from it stops reading (kStopped). Damage is reported to reporter
// (may be nullptr) and in the result; reading stops at the first damage.
WalReadResult ReadWal(const std::string& dir, uint64_t after_lsn,
                      const std::function<bool(const WalRecord&)>& on_record,
                      WalReporter* reporter);

// Cuts the log in dir back to the good prefix that damage (a kTornTail or kCorrupt result of
// ReadWal on dir) describes: removes every segment after the damaged one (newest first, so
// a crash leaves a consistent prefix), then truncates the damaged segment at damage.offset,
// or removes it if that is inside its header; fsyncs the file and the directory. Recovery
// calls this for a torn tail; for corruption only an operator should ask for it. The paths
// of removed segments are appended to *removed if it is not nullptr. Any other state of
// damage is an error (kInvalid), and so is a segment that shrank below damage.offset; a failed
// system call is a kIoError naming the call and file ("unlink <path>: <strerror>").
Status TruncateWal(const std::string& dir, const WalReadResult& damage,
                      std::vector<std::string>* removed);

}  // namespace cairn::store::wal
