// store/rdb/rdb_object.h — one cairn value to and from Redis's RDB object bytes (type byte and
// body, rdb_format.h): what DUMP/RESTORE carry, and later each key of an RDB file.
//
// Encoding picks what Redis 7.0 writes for a value of that type and representation: a
// listpack hash, sorted set or small-integer set stays packed (HASH_LISTPACK, ZSET_LISTPACK,
// SET_INTSET), larger ones use the plain forms (HASH, ZSET_2, SET); lists are QUICKLIST_2 of
// listpack nodes; streams STREAM_LISTPACKS_2 with their consumer groups. Strings are never
// LZF-compressed (redis-server loads them either way).
//
// Decoding accepts every object type Redis 7.0 loads, the older ones included (see
// rdb_format.h), and builds the value through the type's own operations, so the result
// picks cairn's representation for its size. Modules are not supported.
//
// Thread-safety: none of its own. EncodeObject reads the value, so the caller holds the
// key's shard lock (or a reference nobody changes); DecodeObject touches nothing shared.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "store/entry.h"

namespace cairn::rdb {

// Appends value's type byte and body.
void EncodeObject(const store::Value& value, std::string* out);

// Reads one object at *in and advances past it; bytes after it are left for the caller.
// False when the bytes are not a valid object (damaged, hostile, an empty collection, a
// duplicate member, a module type): *out is then unchanged.
[[nodiscard]] bool DecodeObject(std::string_view* in, store::Value* out);

// As DecodeObject, for a body whose type byte was read apart from it (an RDB file puts the
// key between the two).
[[nodiscard]] bool DecodeObjectBody(uint8_t type, std::string_view* in, store::Value* out);

}  // namespace cairn::rdb
