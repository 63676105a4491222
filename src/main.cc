// src/main.cc — cairn-server [config-file] [--option value ...], like redis-server.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "src/base/config.h"
#include "src/base/log.h"
#include "src/base/process_tuning.h"
#include "src/base/thread_placement.h"
#include "src/base/tick_clock.h"
#include "src/exec/server_state.h"
#include "src/net/server.h"
#include "store/thread_hook.h"

namespace {

using cairn::server::Config;
using cairn::server::ThreadRole;

// The store's own threads, named and placed as Redis's bio threads are.
void PlaceStoreThread(cairn::store::StoreThread which) {
  bool wal = which == cairn::store::StoreThread::kWalCommit;
  cairn::server::PlaceThisThread(ThreadRole::kBackground,
                                 wal ? "bio_wal_commit" : "bio_lazy_free");
}

// CPU lists, transparent huge pages: before any thread starts, as Redis applies them.
void PlaceProcess(const cairn::server::ConfigStore& config) {
  cairn::server::CpuLists lists{config.Value("server_cpulist"), config.Value("bio_cpulist"),
                                config.Value("bgsave_cpulist"),
                                config.Value("aof_rewrite_cpulist")};
  for (const std::string& warning : cairn::server::ConfigureThreadPlacement(lists)) {
    cairn::server::Log(cairn::server::LogLevel::kWarning, "%s", warning.c_str());
  }
  cairn::store::SetStoreThreadHook(PlaceStoreThread);
  cairn::server::PlaceThisThread(ThreadRole::kServer, "cairn-server");
  if (config.Value("disable-thp") == "yes" &&
      cairn::server::DisableThpIfAlways(cairn::server::ReadThpSetting())) {
    cairn::server::Log(cairn::server::LogLevel::kNotice,
                       "Transparent huge pages turned off for this process (disable-thp)");
  }
}

void PrintUsage() {
  std::printf(
      "Usage: cairn-server [/path/to/cairn.conf] [--option value ...]\n"
      "       cairn-server -v | --version\n"
      "       cairn-server -h | --help\n\n"
      "Options use redis.conf names, e.g.: cairn-server --port 7000 --threads 2\n");
}

// Creates dir if missing and makes it the working directory, as Redis does with `dir`.
bool EnterDataDir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    std::fprintf(stderr, "Can't create data directory '%s': %s\n", dir.c_str(),
                 std::strerror(errno));
    return false;
  }
  if (::chdir(dir.c_str()) != 0) {
    std::fprintf(stderr, "Can't chdir to '%s': %s\n", dir.c_str(), std::strerror(errno));
    return false;
  }
  return true;
}

void Daemonize() {
  if (fork() != 0) _exit(0);
  setsid();
  int fd = ::open("/dev/null", O_RDWR);
  if (fd >= 0) {
    dup2(fd, STDIN_FILENO);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    if (fd > STDERR_FILENO) ::close(fd);
  }
}

// Like Redis: make room for maxclients connections plus the server's own files, as far as
// the hard limit allows.
void RaiseOpenFilesLimit(int maxclients) {
  struct rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  rlim_t want = static_cast<rlim_t>(maxclients) + 64;
  if (limit.rlim_cur >= want) return;
  limit.rlim_cur = std::min(want, limit.rlim_max);
  if (setrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < want) {
    std::fprintf(stderr, "open files limit is %llu: fewer than maxclients %d connections fit\n",
                 static_cast<unsigned long long>(limit.rlim_cur), maxclients);
  }
}

void WritePidFile(const std::string& path) {
  if (path.empty()) return;
  if (FILE* f = std::fopen(path.c_str(), "w")) {
    std::fprintf(f, "%d\n", static_cast<int>(getpid()));
    std::fclose(f);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && (!std::strcmp(argv[1], "-v") || !std::strcmp(argv[1], "--version"))) {
    std::printf("cairn-server v=%s redis_version=%s\n",
                std::string(cairn::server::kCairnVersion).c_str(),
                std::string(cairn::server::kRedisVersion).c_str());
    return 0;
  }
  if (argc >= 2 && (!std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "--help"))) {
    PrintUsage();
    return 0;
  }
  cairn::server::ConfigStore loader;
  if (cairn::Status st = loader.LoadArgs(argc, argv); !st.ok()) {
    std::fprintf(stderr, "%s\n", std::string(st.message()).c_str());
    return 1;
  }
  Config config = loader.Snapshot();
  cairn::server::ConfigureLog(config.loglevel, config.logfile);
  for (const std::string& name : loader.AcceptedOnlyInUse()) {
    cairn::server::Log(cairn::server::LogLevel::kWarning,
                       "option %s is accepted but has no effect in cairn", name.c_str());
  }
  if (config.daemonize) Daemonize();
  PlaceProcess(loader);
  cairn::tick_clock::Calibrate();  // before any thread times a command
  RaiseOpenFilesLimit(config.maxclients);
  if (!EnterDataDir(config.dir)) return 1;
  WritePidFile(config.pidfile);
  cairn::server::Server server(config);
  server.state().config.set_config_file(loader.config_file());
  int code = server.Run();
  if (!config.pidfile.empty()) ::unlink(config.pidfile.c_str());
  return code;
}
