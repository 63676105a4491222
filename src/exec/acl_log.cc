// src/exec/acl_log.cc — see acl_log.h.
#include "src/exec/acl_log.h"

#include <algorithm>

namespace cairn::server {
namespace {

constexpr int64_t kGroupWindowMs = 60000;  // similar refusals within this merge

bool SameKind(const AclLogEntry& a, const AclLogEntry& b) {
  return a.reason == b.reason && a.context == b.context && a.object == b.object &&
         a.username == b.username;
}

}  // namespace

void AclLog::Add(AclLogEntry entry, int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto same = std::find_if(entries_.begin(), entries_.end(), [&](const Stored& s) {
    return SameKind(s.entry, entry) && now_ms - s.updated_ms < kGroupWindowMs;
  });
  if (same != entries_.end()) {
    Stored s = std::move(*same);
    entries_.erase(same);
    ++s.count;
    s.updated_ms = now_ms;
    s.entry.client_info = std::move(entry.client_info);
    entries_.push_front(std::move(s));
    return;
  }
  entries_.push_front({std::move(entry), 1, now_ms, now_ms});
  while (entries_.size() > max_len_) entries_.pop_back();
}

void AclLog::Reset() {
  std::lock_guard lock(mu_);
  entries_.clear();
}

void AclLog::set_max_len(size_t n) {
  std::lock_guard lock(mu_);
  max_len_ = n;
  while (entries_.size() > max_len_) entries_.pop_back();
}

void AclLog::Write(resp::Writer& w, int64_t count, int64_t now_ms) {
  std::lock_guard lock(mu_);
  size_t n = count < 0 ? entries_.size() : std::min(entries_.size(), static_cast<size_t>(count));
  w.WriteArrayLen(n);
  for (size_t i = 0; i < n; ++i) {
    const Stored& s = entries_[i];
    w.WriteMapLen(7);
    w.WriteBulk("count");
    w.WriteInteger(s.count);
    w.WriteBulk("reason");
    w.WriteBulk(s.entry.reason);
    w.WriteBulk("context");
    w.WriteBulk(s.entry.context);
    w.WriteBulk("object");
    w.WriteBulk(s.entry.object);
    w.WriteBulk("username");
    w.WriteBulk(s.entry.username);
    w.WriteBulk("age-seconds");
    w.WriteDouble(static_cast<double>(now_ms - s.created_ms) / 1000.0);
    w.WriteBulk("client-info");
    w.WriteBulk(s.entry.client_info);
  }
}

}  // namespace cairn::server
