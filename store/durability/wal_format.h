// store/durability/wal_format.h — the write-ahead log's on-disk format, shared by writer and reader.
//
// The log is a sequence of segment files in `dir`, named wal-<first LSN, 20 digits>.log, so
// their names sort in LSN order. A segment starts with a header and holds whole records;
// a record never spans segments.
//
//   segment  := header record* zero*
//   header   := magic:"CAIRNWAL" version:u32le                    (12 bytes, version 1)
//   record   := crc:u32le size:varint body          size = bytes in body, <= kMaxRecordBodyBytes
//   body     := type:u8 lsn:u64le payload
//   crc      := MaskCrc(crc32c(body))
//
//   type     := kEffects (1)                                       one command's effects
//             | any value with kSafeToIgnore (0x80) set            skipped by older readers
//   An unknown type without kSafeToIgnore is corruption.
//
//   zero     := 0x00: space the writer zeroed ahead of its records so that its fdatasyncs
//               rarely change the file's size (store/durability/log_file.h). They run to
//               the end of the file; no record is all zeros (its size is at least 9), so
//               a reader ends the segment where only zeros remain.
//
//   LSNs start at 1 and increase by exactly 1 from record to record, across segments.
//
//   payload(kEffects) := one command's effects: the op grammar in store/effects.h, over the
//               byte codec of store/codec.h (varint, lengths)
//
// Every effect is logged as a deterministic fact: relative expiry as an absolute time,
// INCR and INCRBYFLOAT as the resulting value, APPEND as the appended bytes. Records are not
// idempotent (APPEND twice appends twice), so recovery applies each LSN exactly once: a
// snapshot records the LSN it reflects and replay starts after it.
//
// Torn tail: a crash can leave the last record of the last segment partly written; the
// reader reports it (offset, bytes dropped) and recovery cuts it off. A bad CRC or a broken
// record anywhere else is corruption: startup stops with file, offset and reason.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "store/codec.h"
#include "store/durability/crc32c.h"

namespace cairn::store::wal {

inline constexpr std::string_view kMagic = "CAIRNWAL";
inline constexpr uint32_t kVersion = 1;
inline constexpr size_t kHeaderSize = 12;
// Upper bound of the record prefix (crc + size varint) and body header (type + lsn).
inline constexpr size_t kMaxRecordPrefix = 4 + 10;
inline constexpr size_t kBodyHeader = 1 + 8;
// Largest body a record may declare. A record holds one command's or one transaction's
// effects, so it may exceed any single client limit (a MULTI of several 500 MB values is
// one record); the bound is far beyond what a server can build in memory, so a larger size
// can only be damage; the writer aborts rather than write one. The reader never allocates
// by a declared size: a size past the end of the segment file is damage too (a torn tail at
// the end of the log).
inline constexpr uint64_t kMaxRecordBodyBytes = uint64_t{1} << 40;


enum RecordType : uint8_t {
  kEffects = 1,
  kSafeToIgnore = 0x80,
};

// ---- framing ----
// Appends a whole framed record (crc, size, type, lsn, payload).
void PutRecord(std::string* out, uint8_t type, uint64_t lsn, std::string_view payload);
std::string SegmentHeader();
// "wal-00000000000000000001.log" for first_lsn 1.
std::string SegmentName(uint64_t first_lsn);
// Parses a segment name; false if name is not one.
bool ParseSegmentName(std::string_view name, uint64_t* first_lsn);

// The byte codec (store/codec.h), under the names this layer has always used.
using codec::Decoder;
using codec::PutLengths;
using codec::PutU32;
using codec::PutU64;
using codec::PutU8;
using codec::PutVarint;

}  // namespace cairn::store::wal
