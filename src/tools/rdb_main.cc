// src/tools/rdb_main.cc — cairn-rdb: RDB files without a running server.
//
//   cairn-rdb export DIR FILE   writes what cairn's data directory DIR holds (snapshot.cairn
//                               plus the WAL after it, function libraries included) to FILE
//                               as an RDB file a redis-server loads
//   cairn-rdb check FILE        reads an RDB file through and prints its version, AUX fields,
//                               keys per database and function libraries, or where it is bad
//
// export reads DIR and never changes it: a torn WAL tail (the normal end of a crash) is left
// out, as recovery would cut it; other damage stops the export with the file and offset.
// Run it on a stopped server (a running one's WAL is still growing).
// Exit status: 0 done, 1 damaged or unreadable input or a failed write, 2 usage error.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <string_view>

#include "store/base/status.h"
#include "store/durability/log_file.h"
#include "store/durability/snapshot.h"
#include "store/durability/wal_reader.h"
#include "store/effects.h"
#include "store/rdb/rdb_file_reader.h"
#include "store/rdb/rdb_keyspace.h"
#include "store/store.h"

namespace {

using cairn::Result;
using cairn::Status;
namespace rdb = cairn::rdb;
namespace store = cairn::store;

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
// What cairn-server stores a function library's code under (src/exec/functions.h).
constexpr std::string_view kFunctionMetaPrefix = "function:";

constexpr const char* kUsage =
    "usage: cairn-rdb export DIR FILE\n"
    "       cairn-rdb check FILE\n"
    "  export: writes the data of a stopped cairn's directory DIR as an RDB file\n"
    "          that redis-server loads (DIR is only read).\n"
    "  check:  reads an RDB file through; prints what it holds or where it is bad.\n"
    "  Exit: 0 done, 1 damaged input or failed write, 2 usage error.\n";

int Fail(const std::string& what) {
  std::fprintf(stderr, "cairn-rdb: %s\n", what.c_str());
  return kExitFailed;
}

// Loads DIR as recovery would, without touching it.
Status LoadDataDir(store::Store& s, const std::string& dir) {
  Result<store::SnapshotInfo> snapshot = store::LoadSnapshot(s, dir);
  if (!snapshot.ok()) return snapshot.TakeStatus();
  Status applied;
  store::Store::ReplayScope replay;
  store::wal::WalReadResult read = store::wal::ReadWal(
      dir, snapshot->lsn,
      [&](const store::wal::WalRecord& r) {
        applied = store::ApplyEffects(s, r.payload);
        return applied.ok();
      },
      nullptr);
  if (!applied.ok()) return applied;
  if (read.state == store::wal::WalReadState::kCorrupt ||
      read.state == store::wal::WalReadState::kIoError) {
    return Status::Corruption("WAL damage in " + read.segment + " at offset " +
                              std::to_string(read.offset) + ": " + read.reason +
                              " (inspect it with cairn-check-wal)");
  }
  if (read.state == store::wal::WalReadState::kTornTail) {
    std::fprintf(stderr, "cairn-rdb: torn WAL tail in %s at offset %llu left out\n",
                 read.segment.c_str(), static_cast<unsigned long long>(read.offset));
  }
  return Status::Ok();
}

int Export(const std::string& dir, const std::string& path) {
  store::Store s;
  if (Status st = LoadDataDir(s, dir); !st.ok()) return Fail(dir + ": " + st.ToString());
  Result<std::unique_ptr<store::LogFile>> file = store::OpenPosixLogFile(path);
  if (!file.ok()) return Fail("creating " + path + ": " + file.status().ToString());
  if (Status st = (*file)->Truncate(0); !st.ok()) return Fail(path + ": " + st.ToString());
  rdb::RdbSaveOptions options;
  auto now_s = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  options.aux = {{"redis-ver", "7.0.15"},
                 {"redis-bits", "64"},
                 {"ctime", std::to_string(now_s)},
                 {"used-mem", "0"},
                 {"aof-base", "0"}};
  options.function_meta_prefix = std::string(kFunctionMetaPrefix);
  Result<rdb::RdbSaveInfo> saved =
      rdb::SaveRdb(s, options, [&](std::string_view bytes) { return (*file)->Append(bytes); });
  Status st = saved.ok() ? (*file)->Sync() : saved.status();
  if (!st.ok()) return Fail("writing " + path + ": " + st.ToString());
  std::printf("%s: %llu keys, %llu bytes\n", path.c_str(),
              static_cast<unsigned long long>(saved->keys),
              static_cast<unsigned long long>(saved->bytes));
  return kExitOk;
}

class Summary final : public rdb::RdbVisitor {
 public:
  Status OnAux(std::string_view name, std::string_view value) override {
    std::printf("aux %.*s=%.*s\n", static_cast<int>(name.size()), name.data(),
                static_cast<int>(value.size()), value.data());
    return Status::Ok();
  }
  Status OnFunction(std::string_view code) override {
    std::string_view first = code.substr(0, code.find('\n'));
    std::printf("function library: %.*s\n", static_cast<int>(first.size()), first.data());
    return Status::Ok();
  }
  Status OnKey(rdb::RdbKey&& key) override {
    auto& [keys, expires] = per_db_[key.db];
    ++keys;
    expires += key.expire_at_ms != 0 ? 1 : 0;
    return Status::Ok();
  }
  void Print() const {
    for (const auto& [db, counts] : per_db_) {
      std::printf("db%d: keys=%llu expires=%llu\n", db,
                  static_cast<unsigned long long>(counts.first),
                  static_cast<unsigned long long>(counts.second));
    }
  }

 private:
  std::map<int, std::pair<uint64_t, uint64_t>> per_db_;
};

int Check(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Fail("opening " + path + ": " + std::strerror(errno));
  rdb::FdSource source(fd);
  Summary summary;
  Result<rdb::RdbReadInfo> read = rdb::ReadRdbFile(source, summary);
  if (!read.ok()) return Fail(path + ": " + std::string(read.status().message()));
  summary.Print();
  std::printf("ok: RDB version %d, %llu keys, %llu bytes, checksum %s\n", read->version,
              static_cast<unsigned long long>(read->keys),
              static_cast<unsigned long long>(read->bytes),
              read->checksum_checked ? "verified" : "absent");
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  std::string_view command = argc >= 2 ? argv[1] : "";
  if (command == "-h" || command == "--help") {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  if (command == "export" && argc == 4) return Export(argv[2], argv[3]);
  if (command == "check" && argc == 3) return Check(argv[2]);
  std::fputs(kUsage, stderr);
  return kExitUsage;
}
