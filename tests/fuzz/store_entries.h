// tests/fuzz/store_entries.h — the bodies of the store's fuzz targets: arbitrary bytes read
// as a WAL segment, a WAL payload, a snapshot file or one collection's snapshot encoding.
//
// Shared by the libFuzzer harnesses (tests/fuzz/*_fuzz.cc, built with CAIRN_FUZZ=ON) and by
// the regression test that replays saved inputs in the normal store test binary
// (tests/store/fuzz_regression_test.cc), so a crash found once stays fixed.
//
// Every entry must survive any input: a crash, a sanitizer report, an abort, a hang or an
// allocation sized by the input is the bug being looked for. Beyond that, each returns false
// when the state it built breaks an invariant no crash would show: a collection that cannot
// be written to a snapshot and read back, an empty collection, a key count that disagrees
// with the file. The harness aborts on false, the test fails.
//
// Threading: each entry builds its own Store; the WAL and snapshot entries share one scratch
// directory per process, so call them from one thread.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "store/entry.h"

namespace cairn::store {
class Store;
}

namespace cairn::fuzz {

// Input layout: mode:u8 segment_bytes. The bytes become wal-00000000000000000001.log in an
// otherwise empty directory; ReadWal reads it and every record is applied (ApplyEffects) to
// one fresh Store, stopping at the first malformed one as recovery does. Mode bit 0 set:
// every record that frames correctly gets its CRC recomputed first, so mutated bodies get
// past the checksum and reach the decoders.
[[nodiscard]] bool WalReplay(std::string_view data);

// Input layout: payloads joined by kEffectsSeparator. Each payload goes straight to
// ApplyEffects on one fresh Store, in order, until one is malformed.
inline constexpr std::string_view kEffectsSeparator = "\xF0\x0D\xF0\x0D";
[[nodiscard]] bool Effects(std::string_view data);

// Input layout: mode:u8 file_bytes. The bytes become snapshot.cairn (mode bit 0 set: with a
// correct CRC appended, so the entries are parsed) and LoadSnapshot loads them into a fresh
// Store.
[[nodiscard]] bool Snapshot(std::string_view data);

// Input layout: type:u8 encoding. DecodeObject rebuilds a collection (type % 5 picks list,
// set, sorted set, hash or stream) from the encoding.
[[nodiscard]] bool ObjectDecode(std::string_view data);

// Whether v is a value the store can keep: a string, or a non-empty collection whose family
// invariants hold and whose snapshot encoding reads back to the same collection. Shared with
// the RDB targets (rdb_entries.h).
[[nodiscard]] bool ValueIsSound(const store::Value& v);
// ValueIsSound for every key of every database.
[[nodiscard]] bool StoreIsSound(store::Store& store);
// Keys in every database, as the store counts them.
uint64_t KeyCount(store::Store& store);

struct StoreTarget {
  std::string_view name;  // the folder name under tests/fuzz/regressions/
  bool (*run)(std::string_view data);
};

// Every store target, by name.
std::span<const StoreTarget> StoreTargets();

}  // namespace cairn::fuzz
