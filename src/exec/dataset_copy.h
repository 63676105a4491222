// src/exec/dataset_copy.h — a private server state holding a copy of the live one's keyspace
// and ACL users, for a Lua debugging session that must not change the live data (SCRIPT DEBUG
// YES; Redis forks a child for it).
//
// The copy is taken as an RDB is (the fork-free cut of store/rdb/rdb_keyspace.h, beside
// running commands) and loaded into a ServerState of its own: no WAL, no replication, no
// maxmemory, no other client. It costs the dataset's memory again while it lives, plus the
// RDB form while it loads; the live server's allocator counts both.
//
// Threading: CopyDataset may run on any thread beside commands (it blocks only its caller).
#pragma once

#include <memory>

#include "src/exec/server_state.h"
#include "store/base/status.h"

namespace cairn::server {

Result<std::unique_ptr<ServerState>> CopyDataset(ServerState& live);

// Whether a copy fits under live's maxmemory (no limit: always): room for the copy and its
// RDB form beside what is used now.
bool DatasetCopyFits(const ServerState& live);

}  // namespace cairn::server
