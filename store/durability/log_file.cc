// store/durability/log_file.cc — see log_file.h.
#include "store/durability/log_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace cairn::store {
namespace {

class PosixLogFile final : public LogFile {
 public:
  PosixLogFile(int fd, uint64_t size, std::string path)
      : fd_(fd), size_(size), path_(std::move(path)) {}
  ~PosixLogFile() override { ::close(fd_); }

  Status Append(std::string_view data) override {
    while (!data.empty()) {
      ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return Status::IoError(errno, "write " + path_);
      }
      data.remove_prefix(static_cast<size_t>(n));
      size_ += static_cast<uint64_t>(n);
    }
    return Status::Ok();
  }

  Status Sync() override {
    if (::fdatasync(fd_) != 0) return Status::IoError(errno, "fdatasync " + path_);
    return Status::Ok();
  }

  Status Truncate(uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
      return Status::IoError(errno, "ftruncate " + path_);
    }
    size_ = size;
    return Status::Ok();
  }

  uint64_t size() const override { return size_; }

 private:
  int fd_;
  uint64_t size_;
  std::string path_;  // for error messages
};

}  // namespace

Result<std::unique_ptr<LogFile>> OpenPosixLogFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoError(errno, "open " + path);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    Status failed = Status::IoError(errno, "fstat " + path);
    ::close(fd);
    return failed;
  }
  return std::unique_ptr<LogFile>(
      std::make_unique<PosixLogFile>(fd, static_cast<uint64_t>(st.st_size), path));
}

Status SyncDir(const std::string& dir) {
  std::string path = dir.empty() ? "." : dir;
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::IoError(errno, "open " + path);
  Status st;
  if (::fsync(fd) != 0) st = Status::IoError(errno, "fsync " + path);
  ::close(fd);
  return st;
}

}  // namespace cairn::store
