// src/exec/rdb_pipe.cc — see rdb_pipe.h.
#include "src/exec/rdb_pipe.h"

#include <algorithm>
#include <chrono>
#include <utility>

namespace cairn::server {

RdbPipe::RdbPipe(std::function<void()> notify, std::function<bool()> stop,
                 std::chrono::milliseconds stall_limit)
    : notify_(std::move(notify)), stop_(std::move(stop)), stall_limit_(stall_limit) {}

bool RdbPipe::RunUnlessCancelled(const std::function<void()>& fn) {
  std::lock_guard lock(mu_);
  if (cancelled_) return false;
  fn();
  return true;
}

bool RdbPipe::Push(std::string_view bytes) {
  bool wake;
  {
    std::unique_lock lock(mu_);
    // A stop is polled rather than signalled: the shutdown flag belongs to the server.
    auto since = std::chrono::steady_clock::now();
    uint64_t progress = progress_;
    while (!cancelled_ && queued_ >= kWindowBytes) {
      if (stop_ && stop_()) return false;
      auto now = std::chrono::steady_clock::now();
      if (progress_ != progress) {  // the stall starts again
        progress = progress_;
        since = now;
      } else if (now - since >= stall_limit_) {
        timed_out_.store(true, std::memory_order_release);
        return false;
      }
      room_.wait_for(lock, std::min<std::chrono::steady_clock::duration>(
                               std::chrono::milliseconds(50), stall_limit_));
    }
    if (cancelled_) return false;
    wake = pieces_.empty();  // later pushes ride on the reader's first wake-up
    pieces_.emplace_back(bytes);
    queued_ += bytes.size();
    pushed_.fetch_add(bytes.size(), std::memory_order_release);
  }
  if (wake && notify_) notify_();
  return true;
}

size_t RdbPipe::TakeInto(std::vector<std::string>* out) {
  size_t taken;
  {
    std::lock_guard lock(mu_);
    taken = queued_;
    for (std::string& piece : pieces_) out->push_back(std::move(piece));
    pieces_.clear();
    queued_ = 0;
    if (taken > 0) ++progress_;
  }
  if (taken > 0) room_.notify_all();
  return taken;
}

void RdbPipe::NoteProgress() {
  std::lock_guard lock(mu_);
  ++progress_;
}

void RdbPipe::Cancel() {
  {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    pieces_.clear();
    queued_ = 0;
  }
  room_.notify_all();
}

}  // namespace cairn::server
