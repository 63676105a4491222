// store/durability/crc32c.h — CRC32C (Castagnoli: reflected polynomial 0x82F63B78, initial
// and final xor 0xffffffff), the checksum of WAL records and snapshot files.
//
// Every logged write is checksummed as it is appended, under the log's lock, and recovery
// checksums every byte it reads back, so the speed matters for large values: the CPU's
// CRC32 instruction (SSE 4.2) computes exactly this CRC and is used where the CPU has it,
// chosen at the first call. Both ways give the same bits; tests compare them.
//
// Thread-safe: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cairn::store::wal {

// CRC32C of data, continuing from crc (0 to start): Crc32c(b, m, Crc32c(a, n)) is the CRC of
// a's n bytes followed by b's m.
uint32_t Crc32c(const char* data, size_t n, uint32_t crc = 0);

// The two ways Crc32c computes, for tests and benchmarks. The hardware one may only be
// called when Crc32cHardwareAvailable() says so.
uint32_t Crc32cPortable(const char* data, size_t n, uint32_t crc = 0);
uint32_t Crc32cHardware(const char* data, size_t n, uint32_t crc = 0);
bool Crc32cHardwareAvailable();

// Stored CRCs are masked so that a CRC computed over data containing CRCs stays useful
// (LevelDB's trick).
inline uint32_t MaskCrc(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }
inline uint32_t UnmaskCrc(uint32_t masked) {
  uint32_t rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

}  // namespace cairn::store::wal
