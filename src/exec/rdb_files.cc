// src/exec/rdb_files.cc — see rdb_files.h.
#include "src/exec/rdb_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>

#include "src/exec/key_save_delay.h"
#include "store/durability/log_file.h"
#include "store/durability/snapshot.h"
#include "store/durability/wal_reader.h"
#include "store/memory.h"

namespace cairn::server {
namespace {

class DiscardingVisitor final : public rdb::RdbVisitor {
 public:
  Status OnFunction(std::string_view) override { return Status::Ok(); }
  Status OnKey(rdb::RdbKey&&) override { return Status::Ok(); }
};

std::string DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

}  // namespace

std::vector<std::pair<std::string, std::string>> RdbAuxFields() {
  int64_t now_s = WallMs() / 1000;
  return {{"redis-ver", std::string(kRedisVersion)},
          {"redis-bits", std::to_string(sizeof(void*) * 8)},
          {"ctime", std::to_string(now_s)},
          {"used-mem", std::to_string(store::ReadMemoryStats().allocated_bytes)},
          {"aof-base", "0"}};
}

Result<rdb::RdbSaveInfo> WriteRdbFile(ServerState& state, const std::string& path,
                                      std::atomic<uint64_t>* keys_written) {
  // A name of its own: a SAVE and an RDB-only SYNC may write at once.
  static std::atomic<uint64_t> next_tmp{0};
  std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(next_tmp++);
  ::unlink(tmp.c_str());  // a leftover of a crashed process that had our pid: start empty
  Result<std::unique_ptr<store::LogFile>> file = store::OpenPosixLogFile(tmp);
  if (!file.ok()) return Status::IoError(file.status().sys_errno(), "creating " + tmp);
  store::LogFile& out = **file;
  rdb::RdbSaveOptions options;
  options.aux = RdbAuxFields();
  options.function_meta_prefix = std::string(kFunctionMetaPrefix);
  options.after_key = KeySaveDelay(state);
  if (keys_written != nullptr) {
    options.after_key = [delay = std::move(options.after_key), keys_written] {
      keys_written->store(keys_written->load(std::memory_order_relaxed) + 1,
                          std::memory_order_relaxed);
      if (delay) delay();
    };
  }
  Result<rdb::RdbSaveInfo> saved =
      rdb::SaveRdb(state.store, options, [&](std::string_view bytes) { return out.Append(bytes); });
  Status st = saved.ok() ? out.Sync() : saved.status();
  if (!st.ok()) {
    ::unlink(tmp.c_str());
    if (st.code() == Code::kIoError) return Status::IoError(st.sys_errno(), "writing " + tmp);
    return st;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::IoError(errno, "renaming " + tmp);
  }
  if (Status synced = store::SyncDir(DirOf(path)); !synced.ok()) {
    return Status::IoError(synced.sys_errno(), "syncing " + DirOf(path));
  }
  return saved;
}

bool HasCairnData(const std::string& dir) {
  if (::access((dir + "/" + store::kSnapshotFileName).c_str(), F_OK) == 0) return true;
  Result<std::vector<store::wal::WalSegment>> segments = store::wal::ListSegments(dir);
  return !segments.ok() || !segments->empty();
}

Status CheckRdbFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IoError(errno, "opening " + path);
  rdb::FdSource source(fd);
  DiscardingVisitor visitor;
  Result<rdb::RdbReadInfo> read = rdb::ReadRdbFile(source, visitor);
  return read.ok() ? Status::Ok() : read.TakeStatus();
}

Result<rdb::RdbLoadInfo> ImportRdbFile(ServerState& state, const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IoError(errno, "opening " + path);
  rdb::FdSource source(fd);
  Result<rdb::RdbLoadInfo> loaded = ImportRdb(state, source);
  if (!loaded.ok()) {
    return Status(loaded.status().code(), path + ": " + std::string(loaded.status().message()));
  }
  return loaded;
}

Result<rdb::RdbLoadInfo> ImportRdb(ServerState& state, rdb::RdbSource& source) {
  rdb::RdbLoadOptions options;
  options.now_ms = state.store.NowMs();
  options.on_function = [&](std::string_view code) -> Status {
    Result<LibraryHeader> header = ParseLibraryHeader(code);
    if (!header.ok()) {
      return Status::Corruption("a function library that does not load: " +
                                std::string(header.status().message()));
    }
    std::string name = std::string(kFunctionMetaPrefix) + header->name;
    if (state.store.Meta().count(name) != 0) {
      return Status::Corruption("the function library " + header->name + " appears twice");
    }
    state.store.SetMeta(name, code);
    return Status::Ok();
  };
  Result<rdb::RdbLoadInfo> loaded = rdb::LoadRdb(state.store, source, options);
  if (!loaded.ok()) return loaded;
  state.load_keys_loaded = loaded->loaded;
  state.load_keys_expired = loaded->expired;
  return loaded;
}

}  // namespace cairn::server
