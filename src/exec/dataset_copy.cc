// src/exec/dataset_copy.cc — see dataset_copy.h.
#include "src/exec/dataset_copy.h"

#include <map>
#include <string>

#include "src/exec/acl_user.h"
#include "src/exec/rdb_files.h"
#include "store/memory.h"
#include "store/rdb/rdb_keyspace.h"

namespace cairn::server {

Result<std::unique_ptr<ServerState>> CopyDataset(ServerState& live) {
  Config config = live.config.Snapshot();
  config.maxmemory = 0;  // the copy's keys must not be evicted because the live ones use memory
  config.maxmemory_clients = 0;
  auto copy = std::make_unique<ServerState>(config);
  std::map<std::string, std::shared_ptr<const AclUser>, std::less<>> users;
  for (const std::shared_ptr<const AclUser>& user : live.acl.Users()) users[user->name()] = user;
  copy->acl.ReplaceAll(std::move(users));
  std::string bytes;
  Result<rdb::RdbSaveInfo> saved = RetryWhileBusy<rdb::RdbSaveInfo>([&] {
    bytes.clear();
    return rdb::SaveRdb(live.store, {}, [&](std::string_view chunk) {
      bytes.append(chunk);
      return Status::Ok();
    });
  });
  if (!saved.ok()) return saved.status();
  rdb::StringSource source(bytes);
  rdb::RdbLoadOptions options;
  options.now_ms = live.store.NowMs();
  Result<rdb::RdbLoadInfo> loaded = rdb::LoadRdb(copy->store, source, options);
  if (!loaded.ok()) return loaded.status();
  return copy;
}

bool DatasetCopyFits(const ServerState& live) {
  int64_t limit = live.limits.maxmemory.load(std::memory_order_relaxed);
  if (limit <= 0) return true;
  size_t used = store::ReadMemoryStats().allocated_bytes;
  return used * 3 <= static_cast<size_t>(limit);
}

}  // namespace cairn::server
