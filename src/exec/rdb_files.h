// src/exec/rdb_files.h — RDB files as the server offers them: writing `dbfilename` (SAVE and
// BGSAVE, so a redis-server can load what cairn holds) and importing one on first start (so
// data moves in from Redis). The format lives in store/rdb/; this file adds the file system,
// the AUX fields and the function libraries.
//
// Thread-safety: WriteRdbFile runs on any thread beside commands (several at once write
// under temporary names of their own); ImportRdbFile runs
// during startup, before commands are served (or on a replica, replacing its data).
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "src/exec/server_state.h"
#include "store/base/status.h"
#include "store/rdb/rdb_keyspace.h"

namespace cairn::server {

// Runs save (a snapshot or an RDB file) until it is not kBusy, for at most two seconds. The
// store has one capture at a time: a BGSAVE holds it while it writes, an RDB-only SYNC only
// while it captures the shards. Blocks the calling thread meanwhile.
template <class T, class Fn>
Result<T> RetryWhileBusy(Fn save) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (;;) {
    Result<T> r = save();
    if (r.ok() || r.status().code() != Code::kBusy || std::chrono::steady_clock::now() > deadline) {
      return r;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// Saves the keyspace and function libraries to path: written to path.tmp.<pid>.<n>, fsync'ed,
// renamed over path, directory fsync'ed, so path is always a complete file. kBusy while another
// snapshot runs; a failure's message names the step and the OS's reason.
// keys_written, when given, is raised by one as each key is written (INFO's save progress).
Result<rdb::RdbSaveInfo> WriteRdbFile(ServerState& state, const std::string& path,
                                      std::atomic<uint64_t>* keys_written = nullptr);

// The AUX fields cairn writes (redis-ver, redis-bits, ctime, used-mem, aof-base).
std::vector<std::pair<std::string, std::string>> RdbAuxFields();

// Whether dir holds data of cairn's own (a snapshot or WAL segments): then an RDB file there
// is not imported.
bool HasCairnData(const std::string& dir);

// Reads the whole RDB file at path without keeping anything: Ok when it opens and is
// undamaged (checksum included), so loading it cannot fail halfway.
Status CheckRdbFile(const std::string& path);

// Loads the RDB file at path into the store, function libraries included (their code into
// the store's metadata; the caller registers them). A key or library already present is
// damage. Logged when the store has a journal (a replica's full sync). The error names the
// file and, for damage, the offset.
Result<rdb::RdbLoadInfo> ImportRdbFile(ServerState& state, const std::string& path);
// The same from any source (a replica's link, loading as the file arrives); the error names
// the damage's offset, not a file.
Result<rdb::RdbLoadInfo> ImportRdb(ServerState& state, rdb::RdbSource& source);

}  // namespace cairn::server
