// store/rdb/rdb_format.h — Redis's RDB object serialization (RDB version 10, as Redis 7.0
// writes it): the bytes DUMP returns and RESTORE reads, and the body of every key in an RDB
// file. Shared by the encoder (rdb_encoder.cc), the decoder (rdb_decoder.cc) and, later, RDB
// import/export and replication.
//
//   object    := type:u8 body                        (one value, no key, no expiry)
//   dump      := object version:u16le crc:u64le      crc64 (crc64.h) of everything before it;
//                                                    version <= kRdbVersion is accepted
//
// Lengths and strings (rdb_string.h):
//   len       := 00xxxxxx | 01xxxxxx xxxxxxxx (14 bits, big endian) | 0x80 u32be | 0x81 u64be
//   string    := len bytes
//              | 0xC0 i8 | 0xC1 i16le | 0xC2 i32le             an integer, as decimal text
//              | 0xC3 clen:len len:len lzf-bytes              LZF-compressed
//   double    := f64le                                         (ZSET_2)
//   olddouble := 253 (nan) | 254 (+inf) | 255 (-inf) | n:u8 n-ascii-bytes   (ZSET, type 3)
//   ms        := i64le                                         (stream times)
//   rawid     := ms:u64be seq:u64be                            (stream PEL entries)
//
// Bodies by type byte (what cairn writes is marked *):
//   0  STRING             * string
//   1  LIST                 n:len string{n}
//   2  SET                * n:len string{n}                       (a set not all integers)
//   3  ZSET                 n:len (member:string score:olddouble){n}
//   4  HASH               * n:len (field:string value:string){n}  (a hash past listpack size)
//   5  ZSET_2             * n:len (member:string score:double){n}, highest score first
//   9  HASH_ZIPMAP          string holding a zipmap
//  10  LIST_ZIPLIST         string holding a ziplist
//  11  SET_INTSET         * string holding an intset
//  12  ZSET_ZIPLIST         string holding a ziplist of member, score pairs
//  13  HASH_ZIPLIST         string holding a ziplist of field, value pairs
//  14  LIST_QUICKLIST       n:len (string holding a ziplist){n}
//  15  STREAM_LISTPACKS     as 19 without first-id, max-deleted, entries-added, entries-read
//  16  HASH_LISTPACK      * string holding a listpack of field, value pairs
//  17  ZSET_LISTPACK      * string holding a listpack of member, score pairs, ascending
//  18  LIST_QUICKLIST_2   * n:len (container:len string){n}    container 2: a listpack of
//                           elements (cairn writes nodes of at most 8 KB), 1: one plain element
//  19  STREAM_LISTPACKS_2 * nodes:len (master:string(rawid) string holding a stream node){nodes}
//                           length:len last:id first:id max_deleted:id entries_added:len
//                           ngroups:len group{ngroups}
//        id        := ms:len seq:len
//        group     := name:string last_delivered:id entries_read:len (2^64-1 unknown)
//                     npel:len (rawid delivery:ms count:len){npel}
//                     nconsumers:len consumer{nconsumers}
//        consumer  := name:string seen:ms npel:len rawid{npel}   (its ids are in the group PEL)
//        stream node (a listpack): live deleted nfields field{nfields} 0  then per entry
//                     flags ms-delta seq-delta [nfields (field value){nfields} | value{m}]
//                     lp-count ; flags bit0 deleted, bit1 fields as the master entry's
//
// Packed encodings (all little endian):
//   listpack  := total:u32 count:u16 (65535: unknown) entry* 0xFF
//     entry   := encoding data backlen                  backlen: size of encoding+data in
//                                                       1-5 bytes, 7 bits each, read backwards
//     encoding: 0xxxxxxx uint7 | 10xxxxxx str6 | 110xxxxx +1 int13 | 1110xxxx +1 str12
//               | F0 len:u32 str | F1 i16 | F2 i24 | F3 i32 | F4 i64
//   ziplist   := total:u32 tail:u32 count:u16 entry* 0xFF
//     entry   := prevlen (u8 < 254 | 0xFE u32) encoding data
//     encoding: 00xxxxxx str | 01xxxxxx xxxxxxxx str (big endian) | 0x80 u32be str
//               | C0 i16 | D0 i32 | E0 i64 | F0 i24 | FE i8 | F1..FD immediate 0..12
//   intset    := width:u32 (2, 4 or 8) count:u32 int{count}    ascending, distinct
//   zipmap    := count:u8 (len key len free:u8 value free-bytes)* 0xFF
//                len: u8 < 254 | 254 u32
//
// A whole RDB file (rdb_file.h writes it, rdb_file_reader.h reads it):
//
//   file      := "REDIS" version:4 ascii digits ("0010"; 0001-0010 are read)
//                record* 0xFF crc:u64le         crc64 of every byte before it; from version 5
//                                               on (absent before); 0 means "not computed"
//   record    := 0xFA name:string value:string                AUX, a field about the file
//              | 0xF5 code:string                            FUNCTION2, one function library
//              | 0xFE db:len                                 SELECTDB: the keys that follow
//              | 0xFB keys:len expires:len                   RESIZEDB, a sizing hint
//              | 0xFC at:i64le                               EXPIRETIME_MS of the next key
//              | 0xFD at:i32le                               EXPIRETIME (seconds), old files
//              | 0xF9 freq:u8 | 0xF8 idle:len                LFU/LRU of the next key (skipped)
//              | type:u8 key:string body                     a key, its object (above)
//   0xF7 (module AUX) and 0xF6 (a pre-release function format) are refused, as are module
//   types 6 and 7. cairn writes: the header, AUX redis-ver, redis-bits, ctime, used-mem,
//   aof-base (and whatever its caller adds), FUNCTION2 per library, then per database with
//   keys SELECTDB, RESIZEDB and its keys, each with EXPIRETIME_MS when it has a TTL; EOF, CRC.
//
// Decoding holds every byte to these rules: a length past the bytes present, a packed blob
// whose header disagrees with its size, a duplicate member or field, a NaN score, an empty
// collection, stream entries that do not ascend or whose counts disagree with their node, and
// a pending entry without exactly one consumer are errors; nothing is allocated by a declared
// length before its bytes are there.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cairn::rdb {

inline constexpr uint16_t kRdbVersion = 10;
inline constexpr size_t kDumpFooterBytes = 10;  // version:u16 + crc:u64
// The shortest key record: its type, an empty key's length, an empty string's length.
inline constexpr uint64_t kMinKeyBytes = 3;

enum RdbType : uint8_t {
  kTypeString = 0,
  kTypeList = 1,
  kTypeSet = 2,
  kTypeZSet = 3,
  kTypeHash = 4,
  kTypeZSet2 = 5,
  kTypeHashZipmap = 9,
  kTypeListZiplist = 10,
  kTypeSetIntset = 11,
  kTypeZSetZiplist = 12,
  kTypeHashZiplist = 13,
  kTypeListQuicklist = 14,
  kTypeStreamListpacks = 15,
  kTypeHashListpack = 16,
  kTypeZSetListpack = 17,
  kTypeListQuicklist2 = 18,
  kTypeStreamListpacks2 = 19,
};

// Quicklist 2 node containers.
inline constexpr uint64_t kQuicklistPlain = 1;
inline constexpr uint64_t kQuicklistPacked = 2;

// A list node's listpack stays under this many bytes (Redis's list-max-listpack-size -2).
inline constexpr size_t kListNodeMaxBytes = 8192;

// Stream entry flags.
inline constexpr int64_t kStreamEntryDeleted = 1;
inline constexpr int64_t kStreamEntrySameFields = 2;

// RDB opcodes: records of a file other than keys; FUNCTION2 also begins FUNCTION DUMP items.
inline constexpr uint8_t kOpcodeFunction2 = 245;
inline constexpr uint8_t kOpcodeFunctionPreGa = 246;
inline constexpr uint8_t kOpcodeModuleAux = 247;
inline constexpr uint8_t kOpcodeIdle = 248;
inline constexpr uint8_t kOpcodeFreq = 249;
inline constexpr uint8_t kOpcodeAux = 250;
inline constexpr uint8_t kOpcodeResizeDb = 251;
inline constexpr uint8_t kOpcodeExpireTimeMs = 252;
inline constexpr uint8_t kOpcodeExpireTime = 253;
inline constexpr uint8_t kOpcodeSelectDb = 254;
inline constexpr uint8_t kOpcodeEof = 255;

// "REDIS" and four digits.
inline constexpr char kRdbMagic[] = "REDIS";
inline constexpr size_t kRdbHeaderBytes = 9;
// The first version whose files end in a CRC-64.
inline constexpr uint16_t kRdbFirstChecksumVersion = 5;

}  // namespace cairn::rdb
