// store/wal_format.h — the write-ahead log's on-disk format, shared by writer and reader.
//
// The log is a sequence of segment files in `dir`, named wal-<first LSN, 20 digits>.log, so
// their names sort in LSN order. A segment starts with a header and holds whole records;
// a record never spans segments.
//
//   segment  := header record*
//   header   := magic:"CAIRNWAL" version:u32le                    (12 bytes, version 1)
//   record   := crc:u32le size:varint body          size = bytes in body, <= kMaxRecordBodyBytes
//   body     := type:u8 lsn:u64le payload
//   crc      := MaskCrc(crc32c(body))
//
//   type     := kEffects (1)                                       one command's effects
//             | any value with kSafeToIgnore (0x80) set            skipped by older readers
//   An unknown type without kSafeToIgnore is corruption.
//
//   LSNs start at 1 and increase by exactly 1 from record to record, across segments.
//
//   payload(kEffects) := op+          applied together: a record is atomic on recovery
//   op := kOpSet         db:varint lengths key value expire_at_ms:varint   (0 = no expiry)
//       | kOpSetKeepTtl  db:varint lengths key value
//       | kOpDel         db:varint len:varint key
//       | kOpExpire      db:varint len:varint key at_ms:varint            (0 = persist)
//       | kOpAppend      db:varint lengths key tail
//       | kOpSetRange    db:varint lengths key bytes offset:varint
//               offset + |bytes| <= kMaxSetRangeEnd
//       | kOpRename      db:varint lengths key new_key                      (target replaced)
//       | kOpMove        db:varint len:varint key new_db:varint
//       | kOpCopy        db:varint lengths key new_key new_db:varint replace:u8
//       | kOpFlushDb     db:varint
//       | kOpFlushAll
//       | kOpSwapDb      a:varint b:varint
//       | kOpObject      db:varint lengths key body                  a collection change:
//               body := type:u8 family_op        type = ValueType; family_op is the family's
//               own encoding, documented at its Apply*Op (object_families.h); replaying it
//               may create the key (a push to a missing list) or delete it (the last pop)
//       | kOpSetObject   db:varint lengths key body expire_at_ms:varint keep_ttl:u8
//               body := type:u8 encoding    a whole new collection (SINTERSTORE, ...):
//               encoding as in the snapshot (Object::Encode); expire ignored if keep_ttl
//
//   kOpAppend and kOpSetRange on a key that holds a collection are corruption (the server
//   answers WRONGTYPE and logs nothing).
//
//   lengths  := packed:u8 a_bytes b_bytes     two lengths in one byte: the high nibble is how
//               many little-endian bytes hold the first length (0-8), the low nibble the
//               second's; a zero length takes no bytes. "k(16) v(32)" costs 3 bytes.
//   varint   := LEB128, at most 10 bytes for a u64.
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


// Largest string end a kOpSetRange may reach: Redis's bound on SETRANGE (proto-max-bulk-len,
// default 512 MB). Replaying the op zero-fills the string up to its offset, so a record of a
// few bytes could otherwise ask for any allocation; past this bound it is corruption. A
// server whose proto-max-bulk-len was raised above the default could log a SETRANGE beyond
// it, and its log would then not replay.
inline constexpr uint64_t kMaxSetRangeEnd = uint64_t{512} << 20;

enum RecordType : uint8_t {
  kEffects = 1,
  kSafeToIgnore = 0x80,
};

enum Op : uint8_t {
  kOpSet = 1,
  kOpSetKeepTtl = 2,
  kOpDel = 3,
  kOpExpire = 4,
  kOpAppend = 5,
  kOpSetRange = 6,
  kOpRename = 7,
  kOpMove = 8,
  kOpCopy = 9,
  kOpFlushDb = 10,
  kOpFlushAll = 11,
  kOpSwapDb = 12,
  kOpObject = 13,
  kOpSetObject = 14,
};

// CRC32C of data, continuing from crc (0 to start).
uint32_t Crc32c(const char* data, size_t n, uint32_t crc = 0);
// Stored CRCs are masked so that a CRC computed over data containing CRCs stays useful
// (LevelDB's trick).
inline uint32_t MaskCrc(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }
inline uint32_t UnmaskCrc(uint32_t masked) {
  uint32_t rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

// ---- encoding (append to a std::string) ----
void PutU8(std::string* out, uint8_t v);
void PutU32(std::string* out, uint32_t v);
void PutU64(std::string* out, uint64_t v);
void PutVarint(std::string* out, uint64_t v);
void PutLengths(std::string* out, uint64_t a, uint64_t b);
// Appends a whole framed record (crc, size, type, lsn, payload).
void PutRecord(std::string* out, uint8_t type, uint64_t lsn, std::string_view payload);
std::string SegmentHeader();
// "wal-00000000000000000001.log" for first_lsn 1.
std::string SegmentName(uint64_t first_lsn);
// Parses a segment name; false if name is not one.
bool ParseSegmentName(std::string_view name, uint64_t* first_lsn);

// ---- decoding (a cursor over bytes; every getter fails instead of overrunning) ----
class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}
  bool U8(uint8_t* v);
  bool U32(uint32_t* v);
  bool U64(uint64_t* v);
  bool Varint(uint64_t* v);
  bool Lengths(uint64_t* a, uint64_t* b);
  bool Bytes(size_t n, std::string_view* v);
  bool empty() const { return in_.empty(); }
  size_t remaining() const { return in_.size(); }

 private:
  std::string_view in_;
};

}  // namespace cairn::store::wal
