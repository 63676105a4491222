// store/lazy_free.cc — see lazy_free.h.
#include "store/lazy_free.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

#include "store/entry.h"
#include "store/object.h"
#include "store/thread_hook.h"

namespace cairn::store {
namespace {

constinit thread_local int scope_depth = 0;

std::atomic<uint64_t> pending{0};
std::atomic<uint64_t> freed{0};

// One queue and one thread for the whole process; both live until exit (the thread is
// detached so that exit never waits for a long free).
class Freer {
 public:
  void Push(std::function<void()> fn, uint64_t objects) {
    pending.fetch_add(objects, std::memory_order_relaxed);
    {
      std::lock_guard lock(mu_);
      queue_.emplace_back(std::move(fn), objects);
      if (!started_) {
        started_ = true;
        std::thread([this] { Run(); }).detach();
      }
    }
    cv_.notify_one();
  }

 private:
  void Run() {
    EnterStoreThread(StoreThread::kLazyFree);
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return !queue_.empty(); });
      auto [fn, objects] = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      fn();
      fn = nullptr;  // whatever the function owned goes now, before the counters move
      freed.fetch_add(objects, std::memory_order_relaxed);
      pending.fetch_sub(objects, std::memory_order_relaxed);
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<std::function<void()>, uint64_t>> queue_;
  bool started_ = false;
};

Freer& TheFreer() {
  static Freer* freer = new Freer();  // never destroyed: its thread may outlive main
  return *freer;
}

}  // namespace

LazyFreeScope::LazyFreeScope() { ++scope_depth; }
LazyFreeScope::~LazyFreeScope() { --scope_depth; }
bool LazyFreeScope::active() { return scope_depth > 0; }

bool WorthFreeingLazily(const Entry& e) {
  return e.value.type != ValueType::kString && e.value.obj &&
         e.value.obj->size() > kLazyFreeMinElements;
}

void FreeLazily(std::function<void()> free_fn, uint64_t objects) {
  TheFreer().Push(std::move(free_fn), objects);
}

LazyFreeStats ReadLazyFreeStats() {
  return {pending.load(std::memory_order_relaxed), freed.load(std::memory_order_relaxed)};
}

void ResetLazyFreedObjects() { freed.store(0, std::memory_order_relaxed); }

}  // namespace cairn::store
