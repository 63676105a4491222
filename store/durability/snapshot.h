// store/durability/snapshot.h — fork-free, point-in-time snapshots of the keyspace, and loading them.
//
// A snapshot reflects exactly the changes up to one LSN (the cut), so recovery loads it and
// replays the WAL records after the cut: every change applied exactly once.
//
// How the cut is taken without stopping the world: StartCapture locks every shard for a
// moment (O(shards), no per-key work), reads the journal's last LSN and marks every shard
// "pending". A pending shard is captured — every entry's key copied and value referenced
// (strings are immutable buffers, so a reference is a copy; collections are copy-on-write:
// the first write to a captured collection clones it) — by whichever comes first: the
// snapshot thread walking the shards, or any command that locks the shard (before it changes
// anything). After its capture a shard is free to change. So each shard's pause is one
// capture (microseconds per thousand keys), memory grows by keys and references, not by
// values, and writes continue throughout.
//
// File format (one file, replaced atomically: written to a temp file, fsync'ed, renamed over
// the old one, directory fsync'ed):
//   file   := magic:"CAIRNSNP" version:u32le lsn:u64le databases:u32le sizes entry* end
//   sizes  := keys:u64le{databases}            version 2: each database's key count at the
//                                              cut, so a load sizes its tables first;
//           | (nothing)                        version 1 (still read)
//   entry  := kEntry db:varint type:u8 lengths key value expire_at_ms:varint
//           | kMeta lengths name value       server metadata (Store::SetMeta) at the cut
//   end    := kEnd count:u64le crc:u32le      crc = MaskCrc(crc32c(every byte before crc))
//   lengths, varint: as in wal_format.h. type: ValueType. value: a string's bytes, or a
//   collection's Object::Encode bytes (each family documents its encoding at Encode).
// A file without a valid end is incomplete and is ignored by nobody: loading fails loudly.
// So does a file whose CRC holds but whose entries do not decode, or that holds one key
// twice in a database (no writer does): the error names the offset of the bad entry.
#pragma once

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "store/base/status.h"
#include "store/capture.h"
#include "store/entry.h"

namespace cairn::store {

class Store;

inline constexpr char kSnapshotFileName[] = "snapshot.cairn";

// What a snapshot file holds.
struct SnapshotInfo {
  uint64_t lsn = 0;    // the cut
  uint64_t changes = 0;  // Store::changes() at the cut (written snapshots only)
  uint64_t keys = 0;
  // Of those keys, how many had expired when LoadSnapshot read them (they are loaded like
  // the others; expiry deletes them and logs it, as it deletes every expired key).
  uint64_t expired = 0;
  uint64_t bytes = 0;  // the file's size
};

// Takes a snapshot of store into dir/snapshot.cairn. Blocks the calling thread only (the
// server calls it on a background thread for BGSAVE). Thread-safe with concurrent commands;
// one snapshot at a time (a second concurrent call fails with kBusy). A failure's message
// names the step and the OS's reason ("writing <dir>/snapshot.cairn.tmp: No space left on
// device"); the errno of a kIoError is the system call's.
struct SnapshotOptions {
  // Called on the writing thread after each key is written (rdb-key-save-delay); empty:
  // nothing.
  std::function<void()> after_key;
  // Read after each key: once true, the snapshot stops and fails with a kIoError whose errno
  // is ECANCELED, and the previous snapshot file stays. nullptr: it runs to the end.
  const std::atomic<bool>* cancel = nullptr;
  // Raised by one as each key is written (a relaxed store: INFO reads the progress).
  // nullptr: not counted.
  std::atomic<uint64_t>* keys_written = nullptr;
};
Result<SnapshotInfo> WriteSnapshot(Store& store, const std::string& dir,
                                   const SnapshotOptions& options = {});
// Whether st is the failure of a snapshot stopped by SnapshotOptions::cancel.
inline bool IsCancelledSnapshot(const Status& st) {
  return st.code() == Code::kIoError && st.sys_errno() == ECANCELED;
}

// Loads dir/snapshot.cairn into an empty store (journal off). With no snapshot file: OK and
// all zeros. A damaged file is kCorruption, its message naming the file (and the offset of a
// bad entry). The file is read twice, never held whole: once for its CRC, so that nothing of
// a file damaged further on is loaded, then to load it, through a buffer of at least 1 MB
// that grows to its largest entry (file_window.h).
Result<SnapshotInfo> LoadSnapshot(Store& store, const std::string& dir);

}  // namespace cairn::store
