// src/exec/slowlog.cc — see slowlog.h.
#include "src/exec/slowlog.h"

#include <algorithm>
#include <ctime>

#include "src/exec/redaction.h"
#include "src/exec/reply.h"

namespace cairn::server {
namespace {

std::string TrimArg(std::string_view arg) {
  if (arg.size() <= SlowLog::kMaxArgBytes) return std::string(arg);
  return std::string(arg.substr(0, SlowLog::kMaxArgBytes)) + "... (" +
         std::to_string(arg.size() - SlowLog::kMaxArgBytes) + " more bytes)";
}

}  // namespace

void SlowLog::Configure(int64_t threshold_us, int64_t max_len) {
  threshold_us_.store(threshold_us < 0 ? INT64_MAX : threshold_us, std::memory_order_relaxed);
  std::lock_guard lock(mu_);
  max_len_ = static_cast<size_t>(max_len < 0 ? 0 : max_len);
  while (entries_.size() > max_len_) entries_.pop_back();
}

void SlowLog::Add(std::span<const std::string_view> args, int64_t duration_us,
                  std::string client_addr, std::string client_name) {
  SlowLogEntry e;
  e.unix_s = static_cast<int64_t>(std::time(nullptr));
  e.duration_us = duration_us;
  size_t kept = std::min(args.size(), kMaxArgs);
  e.args.reserve(kept);
  std::vector<bool> secret = SecretArguments(args);
  for (size_t i = 0; i < kept; ++i) {
    if (kept < args.size() && i == kept - 1) {
      e.args.push_back("... (" + std::to_string(args.size() - kept + 1) + " more arguments)");
    } else if (secret[i]) {
      e.args.push_back("(redacted)");
    } else {
      e.args.push_back(TrimArg(args[i]));
    }
  }
  e.client_addr = std::move(client_addr);
  e.client_name = std::move(client_name);
  std::lock_guard lock(mu_);
  e.id = next_id_++;  // ids count every logged command, even one trimmed away at once
  entries_.push_front(std::move(e));
  while (entries_.size() > max_len_) entries_.pop_back();
}

std::vector<SlowLogEntry> SlowLog::Get(int64_t count) const {
  std::lock_guard lock(mu_);
  size_t n = count < 0 ? entries_.size() : std::min(entries_.size(), static_cast<size_t>(count));
  return {entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(n)};
}

size_t SlowLog::Len() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

void SlowLog::Reset() {
  std::lock_guard lock(mu_);
  entries_.clear();
}

}  // namespace cairn::server
