// store/encoding_limits.h — the live thresholds at which a collection changes representation
// (Redis's hash-max-listpack-*, zset-max-listpack-*, set-max-intset-entries,
// set-max-listpack-*, list-max-listpack-size, stream-node-max-*) and list-compress-depth.
//
// One process-wide set of relaxed atomics: the config layer stores into it after CONFIG SET
// or at startup, and the data types read one value at the moment they decide whether a
// write still fits the compact form. A limit only changes future conversions; objects
// already converted stay as they are, as in Redis. The snapshot and WAL formats never
// depend on these values (a snapshot written under one limit loads under any other).
//
// Threading: any thread may read or store; relaxed ordering is enough because a limit is a
// heuristic, not a guard for other memory.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace cairn::store {

struct EncodingLimits {
  // Defaults: redis.conf's values (the suite's and most deployments' configuration).
  std::atomic<size_t> hash_max_listpack_entries{512};
  std::atomic<size_t> hash_max_listpack_value{64};
  std::atomic<size_t> zset_max_listpack_entries{128};
  std::atomic<size_t> zset_max_listpack_value{64};
  std::atomic<size_t> set_max_intset_entries{512};
  std::atomic<size_t> set_max_listpack_entries{128};
  std::atomic<size_t> set_max_listpack_value{64};
  // > 0: at most this many elements per list node; -1..-5: nodes of 4, 8, 16, 32, 64 KB.
  std::atomic<int64_t> list_max_listpack_size{-2};
  // Nodes at each end of a list kept plain; those between are LZF-compressed. 0: none are.
  // A list takes the value in force when it is created, as in Redis.
  std::atomic<size_t> list_compress_depth{0};
  std::atomic<size_t> stream_node_max_bytes{4096};   // 0: no limit
  std::atomic<size_t> stream_node_max_entries{100};  // 0: no limit
};

inline EncodingLimits& encoding_limits() {
  static EncodingLimits limits;
  return limits;
}

inline size_t LimitOf(const std::atomic<size_t>& limit) {
  return limit.load(std::memory_order_relaxed);
}

// A set's listpack stores each member's length in one byte, so longer members never fit it
// whatever set-max-listpack-value says.
inline size_t SetMaxListpackValue() {
  return std::min<size_t>(LimitOf(encoding_limits().set_max_listpack_value), 255);
}

// The list node limit list-max-listpack-size describes: a block size in bytes (header
// included) and a maximum element count.
struct ListNodeLimit {
  size_t block_bytes;
  uint32_t max_count;
};

inline ListNodeLimit CurrentListNodeLimit() {
  int64_t fill = encoding_limits().list_max_listpack_size.load(std::memory_order_relaxed);
  // A count limit keeps Redis's safety cap of 8 KB per node. As in Redis, 0 and values
  // below -5 name no usable limit and leave one element per node.
  if (fill >= -5 && fill <= -1) return {size_t{4096} << (-fill - 1), UINT32_MAX};
  return {8192, static_cast<uint32_t>(std::clamp<int64_t>(fill, 1, UINT32_MAX))};
}

// The compress depth a new list takes. Redis keeps it in 16 bits and caps it there.
inline uint16_t CurrentListCompressDepth() {
  size_t depth = LimitOf(encoding_limits().list_compress_depth);
  return static_cast<uint16_t>(std::min<size_t>(depth, UINT16_MAX));
}

}  // namespace cairn::store
