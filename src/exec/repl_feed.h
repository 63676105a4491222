// src/exec/repl_feed.h — the replication stream a primary sends: each WAL record (the
// deterministic effects of one command, store/effects.h) as the Redis commands that make the
// same change on a replica.
//
// What is replicated is the effect, never the command: an expiry is a DEL, INCRBYFLOAT a SET
// of the result, SPOP an SREM of the members it took, a script the writes it made. So a
// replica never computes anything and cannot diverge. Times are absolute (SET ... PXAT,
// PEXPIREAT, RESTORE ... ABSTTL), stream entries carry their IDs, sorted-set scores print
// exactly. A record of more than one command is wrapped in MULTI/EXEC, as it is atomic on
// the primary. A SELECT precedes a command whenever the database changes.
//
// A few collection ops have no Redis command that repeats them exactly (LINSERT by index,
// stream trims and consumer-group bookkeeping, a whole collection installed with KEEPTTL).
// For a record holding one, every key the record touches is sent as it is once the record
// is applied (RESTORE ... REPLACE, or DEL when gone), read from the store under the shard
// locks the appending thread still holds (Store::PeekHeld).
//
// Threading: a ReplFeed belongs to one caller at a time (the replication tap calls it under
// its own mutex, from Journal::Append, with the record's shard locks held).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "store/store.h"

namespace cairn::server {

// Appends argv as one RESP array of bulk strings.
void AppendRespCommand(std::string* out, std::span<const std::string_view> argv);

class ReplFeed {
 public:
  explicit ReplFeed(store::Store& store) : store_(store) {}

  // Appends the commands for one kEffects payload to *out; returns false (appending nothing)
  // when the payload does not decode.
  bool Translate(std::string_view payload, std::string* out);

  // The next command that needs a database says which one with a SELECT, whatever the
  // previous one used: for a replica that starts reading the stream here.
  void ForceSelect() { db_ = -1; }

 private:
  store::Store& store_;
  int db_ = -1;  // the database the stream has selected; -1: unknown to some reader
};

}  // namespace cairn::server
