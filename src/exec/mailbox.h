// src/exec/mailbox.h — bytes that other threads send to one client outside its request/reply
// flow: Pub/Sub messages today (invalidations and MONITOR lines use the same path).
//
// A publisher on any thread posts already-encoded RESP bytes; the client's own I/O thread
// takes them and appends them to the connection's output between replies, so a message
// never lands inside another reply. The first post into an empty mailbox calls the notify
// hook (set by the networking layer: it wakes the owner's loop); later posts only append,
// so a burst of messages costs one wake-up.
//
// Bounded: a post is refused once the mailbox holds `limit` bytes (the client's output
// buffer hard limit), and the mailbox remembers that it overflowed; the owner thread then
// closes the client, as Redis closes a subscriber over client-output-buffer-limit. A slow
// subscriber therefore holds at most limit bytes plus one message here, whatever the
// publishers do.
//
// Threading: Post and notify from any thread; Take, overflowed and bytes from the owner
// thread (bytes from any thread, approximately, for CLIENT LIST).
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace cairn::server {

class Mailbox {
 public:
  // Set before the client becomes visible to publishers; called with no lock held.
  std::function<void()> notify;

  // Appends bytes unless the mailbox already holds at least limit bytes (0: no limit).
  // lsn: the WAL position the message reveals (a keyspace event's write, a publisher's own
  // pending writes); the owner holds the bytes until it is durable, like a reply. Returns
  // whether it appended.
  bool Post(std::string_view bytes, size_t limit, uint64_t lsn);
  // Moves everything posted so far to the end of *out; returns the highest LSN they reveal.
  uint64_t TakeInto(std::string* out);
  // Whether a post was refused since the client connected (sticky).
  bool overflowed() const { return overflowed_.load(std::memory_order_relaxed); }
  size_t bytes() const { return bytes_.load(std::memory_order_relaxed); }

 private:
  std::mutex mu_;
  std::string pending_;  // guarded by mu_
  uint64_t lsn_ = 0;     // guarded by mu_
  std::atomic<size_t> bytes_{0};
  std::atomic<bool> overflowed_{false};
};

}  // namespace cairn::server
