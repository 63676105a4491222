// src/exec/oom_score.cc — see oom_score.h.
#include "src/exec/oom_score.h"

#include <charconv>
#include <mutex>
#include <string>

#include "src/base/log.h"
#include "src/base/process_tuning.h"
#include "src/exec/server_state.h"

namespace cairn::server {
namespace {

OomScoreMode Mode(const std::string& text) {
  if (text == "absolute") return OomScoreMode::kAbsolute;
  if (text == "no") return OomScoreMode::kNo;
  return OomScoreMode::kRelative;  // yes, relative
}

// The n-th of the values (the config checked there are three integers).
int NthValue(const std::string& values, int n) {
  const char* p = values.data();
  const char* end = p + values.size();
  int v = 0;
  for (int i = 0; i <= n && p < end; ++i) {
    while (p < end && *p == ' ') ++p;
    p = std::from_chars(p, end, v).ptr;
  }
  return v;
}

}  // namespace

bool ApplyOomScoreAdj(ServerState& server) {
  static std::mutex mu;  // the role and the values are read and written as one
  std::lock_guard lock(mu);
  int role = server.replica.active.load() ? 1 : 0;
  int score = NthValue(server.config.Value("oom-score-adj-values"), role);
  std::string err = SetOomScoreAdj(Mode(server.config.Value("oom-score-adj")), score);
  if (err.empty()) return true;
  Log(LogLevel::kWarning, "%s", err.c_str());
  return false;
}

}  // namespace cairn::server
