// store/thread_hook.cc — see thread_hook.h.
#include "store/thread_hook.h"

#include <atomic>

namespace cairn::store {
namespace {

std::atomic<StoreThreadHook> hook{nullptr};

}  // namespace

void SetStoreThreadHook(StoreThreadHook h) { hook.store(h, std::memory_order_release); }

void EnterStoreThread(StoreThread which) {
  if (StoreThreadHook h = hook.load(std::memory_order_acquire)) h(which);
}

}  // namespace cairn::store
