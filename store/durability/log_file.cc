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
  PosixLogFile(int fd, uint64_t size) : fd_(fd), size_(size) {}
  ~PosixLogFile() override { ::close(fd_); }

  int Append(std::string_view data) override {
    while (!data.empty()) {
      ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return -errno;
      }
      data.remove_prefix(static_cast<size_t>(n));
      size_ += static_cast<uint64_t>(n);
    }
    return 0;
  }

  int Sync() override { return ::fdatasync(fd_) == 0 ? 0 : -errno; }

  int Truncate(uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return -errno;
    size_ = size;
    return 0;
  }

  uint64_t size() const override { return size_; }

 private:
  int fd_;
  uint64_t size_;
};

}  // namespace

std::unique_ptr<LogFile> OpenPosixLogFile(const std::string& path, int* error) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = -errno;
    return nullptr;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    *error = -errno;
    ::close(fd);
    return nullptr;
  }
  return std::make_unique<PosixLogFile>(fd, static_cast<uint64_t>(st.st_size));
}

int SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -errno;
  int rc = ::fsync(fd) == 0 ? 0 : -errno;
  ::close(fd);
  return rc;
}

}  // namespace cairn::store
