// store/durability/log_file.cc — see log_file.h.
#include "store/durability/log_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace cairn::store {
namespace {

// Writes with pwrite at the logical end rather than O_APPEND, so that with zero_ahead_bytes
// the data lands on zeros written earlier and the file's size changes only once per chunk.
class PosixLogFile final : public LogFile {
 public:
  PosixLogFile(int fd, uint64_t size, std::string path, LogFileOptions options)
      : fd_(fd), size_(size), zeroed_end_(size), path_(std::move(path)), options_(options) {}
  ~PosixLogFile() override { ::close(fd_); }

  Status Append(std::string_view data) override {
    if (options_.zero_ahead_bytes > 0 && size_ + data.size() > zeroed_end_) {
      if (Status st = ZeroAhead(size_ + data.size()); !st.ok()) return st;
    }
    if (Status st = WriteAt(size_, data, "write "); !st.ok()) return st;
    size_ += data.size();
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
    zeroed_end_ = size;
    return Status::Ok();
  }

  uint64_t size() const override { return size_; }

 private:
  // Short writes are continued; a failed one leaves the file's length as it may be, and
  // the caller's Truncate puts it back.
  Status WriteAt(uint64_t offset, std::string_view data, const char* what) {
    while (!data.empty()) {
      ssize_t n = ::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(offset));
      if (n < 0) {
        if (errno == EINTR) continue;
        return Status::IoError(errno, what + path_);
      }
      data.remove_prefix(static_cast<size_t>(n));
      offset += static_cast<uint64_t>(n);
    }
    return Status::Ok();
  }

  // Lays zeros from zeroed_end_ to at least end plus one chunk.
  Status ZeroAhead(uint64_t end) {
    static const std::string zeros(kZeroBlock, '\0');
    uint64_t target = end + options_.zero_ahead_bytes;
    while (zeroed_end_ < target) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(kZeroBlock, target - zeroed_end_));
      if (Status st = WriteAt(zeroed_end_, std::string_view(zeros).substr(0, n),
                              "write (zeroing ahead) ");
          !st.ok()) {
        return st;
      }
      zeroed_end_ += n;
    }
    return Status::Ok();
  }

  static constexpr size_t kZeroBlock = 256 * 1024;

  int fd_;
  uint64_t size_;        // bytes written: where the next Append goes
  uint64_t zeroed_end_;  // the file's length: zeros from size_ up to here
  std::string path_;     // for error messages
  LogFileOptions options_;
};

}  // namespace

Result<std::unique_ptr<LogFile>> OpenPosixLogFile(const std::string& path,
                                                  LogFileOptions options) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoError(errno, "open " + path);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    Status failed = Status::IoError(errno, "fstat " + path);
    ::close(fd);
    return failed;
  }
  return std::unique_ptr<LogFile>(
      std::make_unique<PosixLogFile>(fd, static_cast<uint64_t>(st.st_size), path, options));
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
