// src/base/process_tuning.cc — see process_tuning.h.
#include "src/base/process_tuning.h"

#include <sys/prctl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>

namespace cairn::server {
namespace {

constexpr const char* kOomScoreFile = "/proc/self/oom_score_adj";

bool ReadOomScore(int* score) {
  std::ifstream in(kOomScoreFile);
  return static_cast<bool>(in >> *score);
}

bool WriteOomScore(int score) {
  std::ofstream out(kOomScoreFile);
  out << score << '\n';
  out.flush();
  return static_cast<bool>(out);
}

}  // namespace

std::string ReadThpSetting() {
  std::ifstream in("/sys/kernel/mm/transparent_hugepage/enabled");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool DisableThpIfAlways(std::string_view setting) {
  if (setting.find("[always]") == std::string_view::npos) return false;
  return prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0;
}

std::string SetOomScoreAdj(OomScoreMode mode, int value) {
  static std::mutex mu;
  static bool adjusted = false;  // cairn has changed the score
  static int base = 0;           // the score before that
  static int written = 0;        // the score cairn last wrote
  std::lock_guard lock(mu);
  int target = 0;
  if (mode == OomScoreMode::kNo) {
    if (!adjusted) return "";
    target = base;
  } else {
    if (!adjusted && !ReadOomScore(&base)) {
      return std::string("Unable to read oom_score_adj: ") + std::strerror(errno);
    }
    target = std::clamp(mode == OomScoreMode::kRelative ? base + value : value, -1000, 1000);
    if (adjusted && target == written) return "";
  }
  if (!WriteOomScore(target)) {
    return std::string("Unable to write oom_score_adj: ") + std::strerror(errno);
  }
  adjusted = mode != OomScoreMode::kNo;
  written = target;
  return "";
}

}  // namespace cairn::server
