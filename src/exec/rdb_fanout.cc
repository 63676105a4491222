// src/exec/rdb_fanout.cc — see rdb_fanout.h.
#include "src/exec/rdb_fanout.h"

#include <algorithm>
#include <utility>

namespace cairn::server {
namespace {

Status Gone() {
  return Status(Code::kIoError, "the replica's connection closed during the transfer");
}

}  // namespace

bool RdbFanout::Join(Member* m) {
  {
    std::lock_guard lock(mu_);
    if (closed_) return false;
    members_.push_back(m);
  }
  cv_.notify_all();  // a leader waiting for enough members counts again
  return true;
}

void RdbFanout::WaitForMembers(std::chrono::steady_clock::time_point until, size_t enough,
                               const std::function<bool()>& stop) {
  std::unique_lock lock(mu_);
  while (std::chrono::steady_clock::now() < until) {
    if (enough > 0 && members_.size() >= enough) return;
    if (stop && stop()) return;
    auto wake = std::min(until, std::chrono::steady_clock::now() + std::chrono::milliseconds(50));
    cv_.wait_until(lock, wake);
  }
}

size_t RdbFanout::members() {
  std::lock_guard lock(mu_);
  return members_.size();
}

void RdbFanout::Close() {
  std::lock_guard lock(mu_);
  closed_ = true;
}

void RdbFanout::Reopen() {
  std::lock_guard lock(mu_);
  closed_ = false;
}

Result<uint64_t> RdbFanout::Cut(uint64_t cut_lsn, std::string_view mark) {
  Close();  // (already: the leader closed it before the capture)
  bool any = false;
  uint64_t offset = 0;
  for (Member* m : members_) {
    Result<uint64_t> started = m->at_cut(cut_lsn, mark);
    m->status = started.status();
    if (!started.ok()) continue;
    any = true;
    offset = std::max(offset, *started);
  }
  if (!any) return Gone();
  return offset;
}

Status RdbFanout::Push(std::string_view bytes) {
  bool any = false;
  for (Member* m : members_) {
    if (!m->status.ok()) continue;
    if (!m->pipe->Push(bytes)) {
      m->status = Gone();
    } else {
      any = true;
    }
  }
  return any ? Status::Ok() : Gone();
}

void RdbFanout::Finish(const Status& st) {
  {
    std::lock_guard lock(mu_);
    closed_ = true;  // a build that failed before its cut takes no one else either
    for (Member* m : members_) {
      if (m->status.ok()) m->status = st;
    }
    finished_ = true;
  }
  cv_.notify_all();
}

void RdbFanout::WaitFinished() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return finished_; });
}

std::shared_ptr<RdbFanout> RdbFanouts::Join(const std::string& kind, RdbFanout::Member* m,
                                            bool* leader) {
  std::lock_guard lock(mu_);
  std::shared_ptr<RdbFanout> open = open_[kind].lock();
  if (open != nullptr && open->Join(m)) {
    *leader = false;
    return open;
  }
  auto fresh = std::make_shared<RdbFanout>();
  (void)fresh->Join(m);  // new: open
  open_[kind] = fresh;
  *leader = true;
  return fresh;
}

}  // namespace cairn::server
