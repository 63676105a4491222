// store/detail/shard_mutex.h — the lock of one keyspace shard.
//
// Shard critical sections are short (a lookup, a small change, a skiplist insert), and a hot
// key makes two I/O threads meet on the same shard often. A plain mutex then puts the loser
// to sleep in the kernel and wakes it with a futex call, which costs more than the critical
// section itself. glibc's adaptive mutex spins for a bounded number of rounds first and sleeps
// only if the holder keeps the lock; otherwise it is an ordinary pthread mutex (ThreadSanitizer
// understands it). Usable with std::lock_guard.
//
// A hot key adds a pattern the adaptive spin does not catch: the holder runs a pipeline and
// takes the lock again for its next command right after releasing it, so a waiter rarely
// finds it free, goes to sleep, and then turns every one of the holder's releases into a
// futex wake-up system call, only to find the lock taken again when it runs. A waiter
// therefore first yields its CPU (to the holder, or to the clients' processes) a bounded
// number of times, trying between yields, without registering in the kernel: the holder's
// releases stay free of system calls, and the waiter gets the lock when the holder's batch
// of commands ends. Measured on 2 cores, 50 clients at pipeline 16 on one sorted set: ZADD
// from 0.12-0.17M to 0.20-0.34M a second; single-key LPUSH, HSET and XADD no slower. Only a
// holder that keeps the lock past the yields (a script, FLUSHALL) puts the waiter to sleep.
//
// A thread that waits long for a shard (a busy script holds it) is not simply asleep: after
// its yields (at most kYieldPhaseNs), every kLockWaitSliceMs it runs its thread's lock-wait
// hook (SetLockWaitHook), so an I/O thread can still answer SCRIPT KILL from its other
// clients while one of its commands waits for the script's shards. The uncontended path is
// one trylock.
#pragma once

#include <pthread.h>
#include <sched.h>

#include <cstdlib>
#include <ctime>

namespace cairn::store::detail {

// Called on a thread that has waited kLockWaitSliceMs for a shard lock, and again every slice
// until it gets it. ctx is what was installed with the hook.
using LockWaitHook = void (*)(void* ctx);
inline constexpr long kLockWaitSliceMs = 10;

struct LockWaitHookSlot {
  LockWaitHook fn = nullptr;
  void* ctx = nullptr;
};
inline thread_local LockWaitHookSlot lock_wait_hook;

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

  void lock() {
    if (pthread_mutex_trylock(&mu_) == 0) return;
    if (YieldThenTry()) return;
    if (lock_wait_hook.fn == nullptr) {
      pthread_mutex_lock(&mu_);
      return;
    }
    LockWaitingInSlices();
  }
  void unlock() { pthread_mutex_unlock(&mu_); }
  bool try_lock() { return pthread_mutex_trylock(&mu_) == 0; }

 private:
  // At most this many yields, and for at most kYieldPhaseNs: on an idle CPU a yield returns
  // at once, so 64 tries span tens of microseconds, a few pipelined commands of the holder's;
  // on a loaded one a yield may give away a whole time slice, and the time cap keeps the
  // lock-wait hook's first call (SCRIPT KILL, BUSY replies) from slipping by more than it.
  // Four pauses between tries: enough that a try does not hammer the holder's cache line,
  // short against a yield.
  static constexpr int kYieldRounds = 64;
  static constexpr int kPausesPerRound = 4;
  static constexpr long kYieldPhaseNs = 1000000;

  static void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
  }

  static long NowNs() {
    timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec * 1000000000L + now.tv_nsec;
  }

  // See the top of the file. True once the lock is taken.
  [[gnu::noinline]] bool YieldThenTry() {
    long start_ns = NowNs();
    for (int round = 0; round < kYieldRounds; ++round) {
      for (int i = 0; i < kPausesPerRound; ++i) CpuRelax();
      if (pthread_mutex_trylock(&mu_) == 0) return true;
      if ((round & 7) == 7 && NowNs() - start_ns > kYieldPhaseNs) return false;
      sched_yield();
    }
    return false;
  }

  // The adaptive mutex spins inside timedlock too; between slices the hook runs.
  [[gnu::noinline]] void LockWaitingInSlices() {
    for (;;) {
      timespec deadline;
      clock_gettime(CLOCK_REALTIME, &deadline);
      deadline.tv_nsec += kLockWaitSliceMs * 1000000;
      if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec += 1;
        deadline.tv_nsec -= 1000000000;
      }
      if (pthread_mutex_timedlock(&mu_, &deadline) == 0) return;
      lock_wait_hook.fn(lock_wait_hook.ctx);
    }
  }

  pthread_mutex_t mu_;
};

}  // namespace cairn::store::detail
