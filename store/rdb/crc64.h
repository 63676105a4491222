// store/rdb/crc64.h — the CRC-64 Redis puts at the end of RDB files and DUMP payloads ("Jones"
// polynomial 0xad93d23594c935a9, reflected, initial value 0, no final xor). Payloads a
// redis-server wrote must check here and ours there, so this is that exact variant.
// Thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace cairn::rdb {

// crc continues an earlier value (0 to start).
uint64_t Crc64(uint64_t crc, std::string_view data);

}  // namespace cairn::rdb
