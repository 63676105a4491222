// store/rdb/dump_payload.h — the frame of a DUMP payload (rdb_format.h: the body, the RDB
// version as u16le, the CRC-64 of both as u64le), shared by DUMP/RESTORE and FUNCTION
// DUMP/RESTORE. Thread-safe (no state).
#pragma once

#include <string>
#include <string_view>

namespace cairn::rdb {

// Appends the version and checksum to a payload holding the body.
void AppendDumpFooter(std::string* payload);

// The body of payload; false when its version is newer than ours or (check_crc) its checksum
// is wrong (Redis's "DUMP payload version or checksum are wrong"). Without the CRC check a
// damaged body reaches the decoder, which rejects it without crashing (DEBUG
// SET-SKIP-CHECKSUM-VALIDATION, for tests that feed crafted payloads).
[[nodiscard]] bool VerifyDumpPayload(std::string_view payload, std::string_view* body,
                                     bool check_crc = true);

}  // namespace cairn::rdb
