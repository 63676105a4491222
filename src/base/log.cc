// src/base/log.cc — see log.h.
#include "src/base/log.h"

#include <fcntl.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <ctime>

namespace cairn::server {
namespace {

std::atomic<int> min_level{static_cast<int>(LogLevel::kNotice)};
int log_fd = STDOUT_FILENO;

}  // namespace

void SetLogLevel(const std::string& level) {
  LogLevel l = LogLevel::kNotice;
  if (level == "debug") l = LogLevel::kDebug;
  if (level == "verbose") l = LogLevel::kVerbose;
  if (level == "warning") l = LogLevel::kWarning;
  min_level = static_cast<int>(l);
}

void ConfigureLog(const std::string& level, const std::string& file) {
  SetLogLevel(level);
  if (!file.empty()) {
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) log_fd = fd;
  }
}

void Log(LogLevel level, const char* format, ...) {
  if (static_cast<int>(level) < min_level.load(std::memory_order_relaxed)) return;
  static const char kMarks[] = ".-*#";
  char line[1024];
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  struct tm tm;
  localtime_r(&tv.tv_sec, &tm);
  int n = std::snprintf(line, sizeof(line), "%d:M ", static_cast<int>(getpid()));
  n += static_cast<int>(std::strftime(line + n, sizeof(line) - n, "%d %b %Y %H:%M:%S", &tm));
  n += std::snprintf(line + n, sizeof(line) - n, ".%03d %c ", static_cast<int>(tv.tv_usec / 1000),
                     kMarks[static_cast<int>(level)]);
  va_list ap;
  va_start(ap, format);
  int m = std::vsnprintf(line + n, sizeof(line) - n - 1, format, ap);
  va_end(ap);
  n = m < 0 ? n : std::min(n + m, static_cast<int>(sizeof(line)) - 2);
  line[n++] = '\n';
  ssize_t ignored = ::write(log_fd, line, static_cast<size_t>(n));
  (void)ignored;
}

}  // namespace cairn::server
