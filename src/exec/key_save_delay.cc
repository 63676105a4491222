// src/exec/key_save_delay.cc — see key_save_delay.h.
#include "src/exec/key_save_delay.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <thread>

namespace cairn::server {
namespace {

// The pause after the keys-th key of a save.
void DelayKey(ServerState& server, uint64_t keys) {
  int64_t delay_us = server.primary.rdb_key_save_delay_us();
  if (delay_us < 0) {
    if (keys % static_cast<uint64_t>(-delay_us) == 0) {
      std::this_thread::sleep_for(std::chrono::microseconds(1));
    }
    return;
  }
  constexpr int64_t kStepUs = 10000;
  for (int64_t slept_us = 0; slept_us < delay_us; slept_us += kStepUs) {
    if (server.shutting_down.load(std::memory_order_relaxed)) return;
    std::this_thread::sleep_for(std::chrono::microseconds(std::min(kStepUs, delay_us - slept_us)));
    delay_us = server.primary.rdb_key_save_delay_us();
  }
}

}  // namespace

std::function<void()> KeySaveDelay(ServerState& server) {
  if (server.primary.rdb_key_save_delay_us() == 0) return {};
  return [&server, keys = uint64_t{0}]() mutable { DelayKey(server, ++keys); };
}

}  // namespace cairn::server
