// store/lazy_free.h — freeing large values off the command path: UNLINK, FLUSHDB/FLUSHALL
// ASYNC and the lazyfree-lazy-user-* options hand what they dropped to one background thread.
//
// The keys are gone from the keyspace before anything is handed over, so only this thread
// can reach the handed entries and tables (readers still holding a value's buffer keep it
// alive through its reference count). A value is worth handing over when freeing it costs more
// than the hand-off: a collection of more than kLazyFreeMinElements elements, as Redis
// judges. The counters are INFO memory's lazyfree_pending_objects (handed, not yet freed) and
// lazyfreed_objects (freed by the thread since the last CONFIG RESETSTAT).
//
// Threading: every function is thread-safe; the thread starts on first use.
#pragma once

#include <cstdint>
#include <functional>

namespace cairn::store {

struct Entry;

inline constexpr size_t kLazyFreeMinElements = 64;

// While one lives on a thread, the entries that thread's locked sections delete are freed in
// the background when large (UNLINK's scope). Nests.
class LazyFreeScope {
 public:
  LazyFreeScope();
  ~LazyFreeScope();
  LazyFreeScope(const LazyFreeScope&) = delete;
  LazyFreeScope& operator=(const LazyFreeScope&) = delete;
  static bool active();
};

// Whether e's value is big enough to free in the background.
bool WorthFreeingLazily(const Entry& e);
// Hands work to the thread: it runs free_fn, which frees `objects` objects (the count the
// counters move by).
void FreeLazily(std::function<void()> free_fn, uint64_t objects);

struct LazyFreeStats {
  uint64_t pending_objects = 0;
  uint64_t freed_objects = 0;
};
LazyFreeStats ReadLazyFreeStats();
void ResetLazyFreedObjects();  // CONFIG RESETSTAT

}  // namespace cairn::store
