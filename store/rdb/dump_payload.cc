// store/rdb/dump_payload.cc — see dump_payload.h.
#include "store/rdb/dump_payload.h"

#include <cstdint>

#include "store/rdb/crc64.h"
#include "store/rdb/rdb_format.h"

namespace cairn::rdb {

void AppendDumpFooter(std::string* payload) {
  payload->push_back(static_cast<char>(kRdbVersion & 0xFF));
  payload->push_back(static_cast<char>(kRdbVersion >> 8));
  uint64_t crc = Crc64(0, *payload);
  for (int i = 0; i < 8; ++i) payload->push_back(static_cast<char>(crc >> (8 * i)));
}

bool VerifyDumpPayload(std::string_view payload, std::string_view* body, bool check_crc) {
  if (payload.size() < kDumpFooterBytes) return false;
  auto byte = [&](size_t i) { return static_cast<uint8_t>(payload[i]); };
  size_t footer = payload.size() - kDumpFooterBytes;
  uint16_t version = static_cast<uint16_t>(byte(footer) | (byte(footer + 1) << 8));
  if (version > kRdbVersion) return false;
  uint64_t crc = 0;
  for (int i = 7; i >= 0; --i) crc = (crc << 8) | byte(footer + 2 + static_cast<size_t>(i));
  if (check_crc && crc != Crc64(0, payload.substr(0, footer + 2))) return false;
  *body = payload.substr(0, footer);
  return true;
}

}  // namespace cairn::rdb
