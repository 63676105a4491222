// store/rdb/rdb_keyspace.h — a Store to and from a whole RDB file: the point-in-time save and
// the load that RDB export, import and replication's full sync use.
//
// SaveRdb takes the same fork-free cut as cairn's snapshots (Store::StartCapture, capture.h):
// every shard's entries are captured (keys copied, values shared, collections copy-on-write),
// the capture ends at once so writers stop paying for it, and the file is then written from
// the captured entries, database by database, while commands go on. The cut's LSN is
// returned: the file holds every change up to it and none after (replication streams from
// there). Only one capture runs at a time: kBusy while a snapshot is being taken.
//
// LoadRdb puts each key into the store (logged when the store has a journal: a replica's
// full sync, DEBUG RELOAD; at startup there is none yet); a key already expired is skipped,
// as Redis skips it when loading as a primary; a key twice in one database (or already in
// the store), or a database past the store's, is damage (kCorruption). Keys go in through a
// store::BulkLoader (bulk_load.h), and each database's RESIZEDB sizes its tables first.
//
// Thread-safety: SaveRdb may run beside any command (it blocks only its caller); LoadRdb
// runs before the store serves commands (or while a replica's full sync owns them).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/base/status.h"
#include "store/rdb/rdb_file_reader.h"
#include "store/rdb/rdb_file_writer.h"

namespace cairn::store {
class Store;
}

namespace cairn::rdb {

struct RdbSaveOptions {
  // AUX fields after the header, in order (redis-ver, ctime... are the caller's to give).
  // Read after on_cut, which may set a value that depends on the cut (repl-offset).
  std::vector<std::pair<std::string, std::string>> aux;
  // Store metadata whose name starts with this holds a function library's code; each is
  // written as FUNCTION2. Empty: none.
  std::string function_meta_prefix;
  // Called after each key is written (a delay for tests); empty: nothing.
  std::function<void()> after_key;
  // false: no database is written, only the header, the AUX fields and the functions
  // (REPLCONF rdb-filter-only, what `redis-cli --functions-rdb` asks for). The capture then
  // ends as soon as it has started: its cut and the functions at it, no key.
  bool keys = true;
  // Called with the cut's LSN once the capture is taken, before the file's first byte (a
  // disk-less full sync starts its replica's stream there); a failure ends the save with it.
  // Empty: nothing. SaveRdbHeld does not call it.
  std::function<Status(uint64_t lsn)> on_cut;
};

struct RdbSaveInfo {
  uint64_t lsn = 0;  // the cut
  uint64_t keys = 0;
  uint64_t bytes = 0;
};

Result<RdbSaveInfo> SaveRdb(store::Store& store, const RdbSaveOptions& options, RdbSink sink);

// Like SaveRdb, for a caller that holds every shard (Store::Atomically): the file is the
// store as it is now, read in place without a capture, while every writer waits (DEBUG
// RELOAD, which must not lose a write made between its save and its load). lsn is 0.
Result<RdbSaveInfo> SaveRdbHeld(store::Store& store, const RdbSaveOptions& options, RdbSink sink);

struct RdbLoadOptions {
  int64_t now_ms = 0;  // keys whose TTL ends at or before it are skipped
  // Receives each function library's code; its failure stops the load.
  std::function<Status(std::string_view code)> on_function;
};

struct RdbLoadInfo {
  RdbReadInfo read;
  uint64_t loaded = 0;   // keys put in the store
  uint64_t expired = 0;  // keys skipped as expired
  uint64_t functions = 0;
};

Result<RdbLoadInfo> LoadRdb(store::Store& store, RdbSource& source, const RdbLoadOptions& options);

}  // namespace cairn::rdb
