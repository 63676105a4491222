// store/detail/shard_mutex.h — the lock of one keyspace shard.
//
// Shard critical sections are short (a lookup, a small change, a skiplist insert), and a hot
// key makes two I/O threads meet on the same shard often. A plain mutex then puts the loser
// to sleep in the kernel and wakes it with a futex call, which costs more than the critical
// section itself. glibc's adaptive mutex spins for a bounded number of rounds first and sleeps
// only if the holder keeps the lock; otherwise it is an ordinary pthread mutex (ThreadSanitizer
// understands it). Usable with std::lock_guard.
#pragma once

#include <pthread.h>

#include <cstdlib>

namespace cairn::store::detail {

class ShardMutex {
 public:
  ShardMutex() {
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
    if (pthread_mutex_init(&mu_, &attr) != 0) std::abort();
    pthread_mutexattr_destroy(&attr);
  }
  ~ShardMutex() { pthread_mutex_destroy(&mu_); }
  ShardMutex(const ShardMutex&) = delete;
  ShardMutex& operator=(const ShardMutex&) = delete;

  void lock() { pthread_mutex_lock(&mu_); }
  void unlock() { pthread_mutex_unlock(&mu_); }
  bool try_lock() { return pthread_mutex_trylock(&mu_) == 0; }

 private:
  pthread_mutex_t mu_;
};

}  // namespace cairn::store::detail
