// store/durability/log_file.h — the file operations the write-ahead log needs, behind an interface so
// tests can inject failures (ENOSPC, EIO) without a broken disk.
//
// Functions return a Status (a kIoError carries the errno and names the call and file), never
// throw, and never retry on their own.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "store/base/status.h"

namespace cairn::store {

class LogFile {
 public:
  virtual ~LogFile() = default;
  // Appends all of data at the end of the file (short writes are continued).
  virtual Status Append(std::string_view data) = 0;
  // fdatasync: the appended bytes survive a crash or power loss once this returns OK.
  virtual Status Sync() = 0;
  // Cuts the file to size bytes (undoes a partly failed Append).
  virtual Status Truncate(uint64_t size) = 0;
  virtual uint64_t size() const = 0;
};

// Opens (creating if needed) a log file for appending.
using LogFileOpener = std::function<Result<std::unique_ptr<LogFile>>(const std::string& path)>;

Result<std::unique_ptr<LogFile>> OpenPosixLogFile(const std::string& path);
// fsync of a directory ("" is the working directory), so that files created or deleted in it
// survive a crash.
Status SyncDir(const std::string& dir);

}  // namespace cairn::store
