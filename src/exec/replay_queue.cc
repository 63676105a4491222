// src/exec/replay_queue.cc — see replay_queue.h.
#include "src/exec/replay_queue.h"

#include <span>
#include <string_view>

#include "store/effects.h"

namespace cairn::server {

bool ReplayQueue::Add(const store::wal::WalRecord& r) {
  if (bytes_.size() + r.payload.size() > kMaxQueuedBytes) {
    if (!Flush()) return false;
    if (r.payload.size() > kMaxQueuedBytes) return Apply(r);
  }
  if (segments_.empty() || segments_.back() != r.segment) segments_.emplace_back(r.segment);
  queued_.push_back({r.type, r.lsn, r.offset, segments_.size() - 1, bytes_.size(),
                     r.payload.size()});
  bytes_.append(r.payload);
  return queued_.size() < kBatch || Flush();
}

bool ReplayQueue::Flush() {
  std::string_view payloads[kBatch];
  size_t n = queued_.size();
  for (size_t i = 0; i < n; ++i) {
    payloads[i] = std::string_view(bytes_).substr(queued_[i].begin, queued_[i].size);
  }
  store::PrefetchEffects(store_, std::span<const std::string_view>(payloads, n));
  bool go_on = true;
  for (size_t i = 0; i < n && go_on; ++i) {
    const Queued& q = queued_[i];
    go_on = Apply({q.type, q.lsn, payloads[i], segments_[q.segment], q.offset});
  }
  bytes_.clear();
  queued_.clear();
  segments_.clear();
  return go_on;
}

bool ReplayQueue::Apply(const store::wal::WalRecord& r) {
  Status applied = store::ApplyEffects(store_, r.payload);
  return applied.ok() || on_failure_(r, applied);
}

}  // namespace cairn::server
