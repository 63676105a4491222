// store/durability/log_file.h — the file operations the write-ahead log needs, behind an interface so
// tests can inject failures (ENOSPC, EIO) without a broken disk.
//
// Functions return 0 or a negative errno, never throw, and never retry on their own.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace cairn::store {

class LogFile {
 public:
  virtual ~LogFile() = default;
  // Appends all of data at the end of the file (short writes are continued).
  virtual int Append(std::string_view data) = 0;
  // fdatasync: the appended bytes survive a crash or power loss once this returns 0.
  virtual int Sync() = 0;
  // Cuts the file to size bytes (undoes a partly failed Append).
  virtual int Truncate(uint64_t size) = 0;
  virtual uint64_t size() const = 0;
};

// Opens (creating if needed) a log file for appending; nullptr and *error on failure.
using LogFileOpener = std::function<std::unique_ptr<LogFile>(const std::string& path, int* error)>;

std::unique_ptr<LogFile> OpenPosixLogFile(const std::string& path, int* error);
// fsync of a directory, so that files created or deleted in it survive a crash.
int SyncDir(const std::string& dir);

}  // namespace cairn::store
