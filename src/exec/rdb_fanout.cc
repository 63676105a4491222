// src/exec/rdb_fanout.cc — see rdb_fanout.h.
#include "src/exec/rdb_fanout.h"

#include <algorithm>
#include <utility>

namespace cairn::server {
namespace {

Status NoneLeft() { return Status(Code::kIoError, "no replica is left to send the file to"); }

}  // namespace

bool RdbFanout::Join(Member* m) {
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return stage_ != Stage::kCapturing; });
    if (stage_ == Stage::kCut) return false;
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

size_t RdbFanout::members() const {
  std::lock_guard lock(mu_);
  return members_.size();
}

void RdbFanout::SetStage(Stage stage) {
  {
    std::lock_guard lock(mu_);
    stage_ = stage;
  }
  cv_.notify_all();
}

void RdbFanout::Close() { SetStage(Stage::kCapturing); }

void RdbFanout::Reopen() { SetStage(Stage::kOpen); }

Result<uint64_t> RdbFanout::Cut(uint64_t cut_lsn, std::string_view mark) {
  SetStage(Stage::kCut);
  bool any = false;
  uint64_t offset = 0;
  for (Member* m : members_) {
    Result<uint64_t> started = m->at_cut(cut_lsn, mark);
    m->status = started.status();
    if (!started.ok()) continue;
    any = true;
    offset = std::max(offset, *started);
  }
  if (!any) return NoneLeft();
  return offset;
}

Status RdbFanout::Push(std::string_view bytes) {
  bool any = false;
  for (Member* m : members_) {
    if (!m->status.ok()) continue;
    if (m->pipe->Push(bytes)) {
      any = true;
    } else {
      m->status = Status(Code::kIoError, "the replica's connection closed during the transfer");
    }
  }
  return any ? Status::Ok() : NoneLeft();
}

void RdbFanout::Finish(const Status& st) {
  {
    std::lock_guard lock(mu_);
    stage_ = Stage::kCut;  // a build that failed before its cut takes no one else either
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
  for (;;) {
    std::shared_ptr<RdbFanout> open;
    {
      std::lock_guard lock(mu_);
      open = open_[kind].lock();
      if (open == nullptr) {
        open = std::make_shared<RdbFanout>();
        (void)open->Join(m);  // new: open, and no one else has it yet
        open_[kind] = open;
        *leader = true;
        return open;
      }
    }
    // Outside the lock: this join may wait for the fanout's capture.
    if (open->Join(m)) {
      *leader = false;
      return open;
    }
    std::lock_guard lock(mu_);  // it was cut: the next comer starts another
    if (open_[kind].lock() == open) open_[kind].reset();
  }
}

}  // namespace cairn::server
