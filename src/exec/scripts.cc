// src/exec/scripts.cc — see scripts.h.
#include "src/exec/scripts.h"

#include <algorithm>
#include <chrono>

#include "src/base/sha1.h"

namespace cairn::server {
namespace {

constexpr size_t kShaHexLen = 40;  // a SHA-1 in hex

struct FlagName {
  uint32_t flag;
  std::string_view name;
};
constexpr FlagName kFlagNames[] = {
    {kScriptNoWrites, "no-writes"},   {kScriptAllowOom, "allow-oom"},
    {kScriptAllowStale, "allow-stale"}, {kScriptNoCluster, "no-cluster"},
    {kScriptAllowCrossSlot, "allow-cross-slot-keys"},
};

std::vector<std::string_view> SplitOn(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string_view::npos) end = s.size();
    parts.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

std::vector<std::string_view> Words(std::string_view s) {
  std::vector<std::string_view> words;
  for (std::string_view w : SplitOn(s, ' ')) {
    if (!w.empty()) words.push_back(w);
  }
  return words;
}

}  // namespace

uint32_t ScriptFlagFromName(std::string_view name) {
  for (const FlagName& f : kFlagNames) {
    if (f.name == name) return f.flag;
  }
  return 0;
}

std::vector<std::string_view> ScriptFlagNames(uint32_t flags) {
  std::vector<std::string_view> names;
  for (const FlagName& f : kFlagNames) {
    if (flags & f.flag) names.push_back(f.name);
  }
  return names;
}

Result<ScriptHeader> ParseShebang(std::string_view body) {
  ScriptHeader header;
  if (body.substr(0, 2) != "#!") return header;
  size_t end = body.find('\n');
  if (end == std::string_view::npos) return Status::Invalid("Invalid script shebang");
  header.shebang_len = end;
  std::vector<std::string_view> parts = Words(body.substr(0, end));
  if (parts.empty()) return Status::Invalid("Invalid engine in script shebang");
  if (parts[0] != "#!lua") {
    return Status::Invalid("Unexpected engine in script shebang: " + std::string(parts[0]));
  }
  header.flags = 0;
  for (size_t i = 1; i < parts.size(); ++i) {
    if (parts[i].substr(0, 6) != "flags=") {
      return Status::Invalid("Unknown lua shebang option: " + std::string(parts[i]));
    }
    std::string_view list = parts[i].substr(6);
    if (list.empty()) continue;
    for (std::string_view name : SplitOn(list, ',')) {
      uint32_t flag = ScriptFlagFromName(name);
      if (flag == 0) {
        return Status::Invalid("Unexpected flag in script shebang: " + std::string(name));
      }
      header.flags |= flag;
    }
  }
  return header;
}

std::shared_ptr<Script> ScriptCache::Find(std::string_view sha) const {
  char lower[kShaHexLen];
  if (sha.size() != kShaHexLen) return nullptr;
  for (size_t i = 0; i < kShaHexLen; ++i) {
    char c = sha[i];
    lower[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
  }
  std::shared_lock lock(mu_);
  auto it = scripts_.find(std::string_view(lower, kShaHexLen));
  return it == scripts_.end() ? nullptr : it->second;
}

std::shared_ptr<Script> ScriptCache::Add(std::string body, ScriptHeader header) {
  auto script = std::make_shared<Script>();
  script->sha = Sha1Hex(body);
  script->lua_name = "f_" + script->sha;
  script->body = std::move(body);
  script->header = header;
  std::unique_lock lock(mu_);
  auto [it, added] = scripts_.try_emplace(script->sha, script);
  if (added) bytes_ += script->body.size() + script->sha.size();
  return it->second;
}

void ScriptCache::Flush() {
  std::unique_lock lock(mu_);
  scripts_.clear();
  bytes_ = 0;
  epoch_.fetch_add(1, std::memory_order_acq_rel);
}

size_t ScriptCache::count() const {
  std::shared_lock lock(mu_);
  return scripts_.size();
}

size_t ScriptCache::memory_bytes() const {
  std::shared_lock lock(mu_);
  return bytes_;
}

void RunningScripts::End(ScriptRun* run) {
  if (!run->busy) return;  // never on the board (runner thread's own flag)
  std::lock_guard lock(mu_);
  runs_.erase(std::remove(runs_.begin(), runs_.end(), run), runs_.end());
  busy_.fetch_sub(1, std::memory_order_relaxed);
}

void RunningScripts::CheckBusy(ScriptRun* run, int64_t now_ms, int64_t busy_ms) {
  if (run->busy || busy_ms <= 0 || now_ms - run->start_ms < busy_ms) return;
  std::lock_guard lock(mu_);
  runs_.push_back(run);
  run->busy = true;
  busy_.fetch_add(1, std::memory_order_relaxed);
}

bool RunningScripts::busy_eval() const {
  std::lock_guard lock(mu_);
  for (const ScriptRun* run : runs_) {
    if (run->busy && run->is_eval) return true;
  }
  return false;
}

int64_t ScriptClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool RunningScripts::DescribeBusy(BusyInfo* info) const {
  int64_t now_ms = ScriptClockMs();
  std::lock_guard lock(mu_);
  for (const ScriptRun* run : runs_) {
    if (!run->busy) continue;
    info->is_eval = run->is_eval;
    info->name.assign(run->name);
    info->command.assign(run->command.begin(), run->command.end());
    info->duration_ms = now_ms - run->start_ms;
    return true;
  }
  return false;
}

RunningScripts::KillResult RunningScripts::Kill(bool is_eval) {
  std::lock_guard lock(mu_);
  KillResult result = KillResult::kNotBusy;
  for (ScriptRun* run : runs_) {
    if (!run->busy) continue;
    if (run->dirty.load(std::memory_order_relaxed)) {
      result = KillResult::kUnkillable;
    } else if (run->is_eval != is_eval) {
      if (result == KillResult::kNotBusy) result = KillResult::kWrongKind;
    } else {
      run->killed.store(true, std::memory_order_relaxed);
      return KillResult::kKilled;
    }
  }
  return result;
}

namespace {

thread_local BusyServer busy_server = nullptr;
thread_local void* busy_server_ctx = nullptr;
thread_local bool serving_busy = false;

}  // namespace

void SetThreadBusyServer(BusyServer fn, void* ctx) {
  busy_server = fn;
  busy_server_ctx = ctx;
}

void ServeWhileBusy(const ClientState* running) {
  if (busy_server == nullptr || serving_busy) return;
  serving_busy = true;
  busy_server(busy_server_ctx, running);
  serving_busy = false;
}

bool ServingWhileBusy() { return serving_busy; }

}  // namespace cairn::server
