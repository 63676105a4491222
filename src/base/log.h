// src/base/log.h — the server log, in Redis's line format ("pid:M dd Mon yyyy hh:mm:ss.mmm * text"),
// to standard output or to `logfile`. Thread-safe; a line is written with one write() call.
#pragma once

#include <string>

namespace cairn::server {

enum class LogLevel { kDebug = 0, kVerbose = 1, kNotice = 2, kWarning = 3 };

// Sets the minimum level and destination ("" = stdout). Call before threads start.
void ConfigureLog(const std::string& level, const std::string& file);
// Changes the minimum level at run time (CONFIG SET loglevel). Any thread.
void SetLogLevel(const std::string& level);
void Log(LogLevel level, const char* format, ...) __attribute__((format(printf, 2, 3)));

}  // namespace cairn::server
